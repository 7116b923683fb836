// Runs one generation on a leased runner and answers it: NDJSON chunks flushed per piece (a
// client that goes away stops the runner at its next piece and frees the slot), or one JSON
// object with the concatenated text. Every generation holds a ticket of the GenerationTracker so
// that a draining server (SIGTERM) knows when the last one has finished, and can stop those still
// running when its grace period ends.
#pragma once

#include "http/message.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "engine/scheduler.h"
#include "server/reply_parser.h"
#include "store/go_json.h"

namespace slimllm {

class Metrics;

class GenerationTracker {
 public:
  // Held by one generation from before it queues for a slot until its answer is written.
  class Ticket {
   public:
    explicit Ticket(GenerationTracker& tracker) : tracker_(tracker) {}
    ~Ticket() { tracker_.finished(); }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    GenerationTracker& tracker_;
  };

  std::shared_ptr<Ticket> begin();
  int in_flight() const;

  // New work is refused from now on (the middleware answers 503).
  void start_draining();
  bool draining() const;
  // Past the grace period: running generations stop at their next piece and end with an error.
  void abort();
  bool aborted() const;
  // Waits until no generation is in flight or `deadline` passes; true when none is.
  bool wait_idle(std::chrono::steady_clock::time_point deadline) const;

 private:
  void finished();

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  int in_flight_ = 0;
  bool draining_ = false;
  bool aborted_ = false;
};

// The text a generation stopped by the end of the grace period ends with.
inline constexpr const char* kShutdownMessage =
    "server shutting down: the generation was stopped at the end of the shutdown grace period";

struct GenerationReply {
  // Splits the generated text into thinking, content and tool calls.
  ReplyParser parser;
  // A streamed chunk for one delta.
  std::function<OrderedJson(const ReplyDelta& delta)> chunk;
  // The final object: `whole` is empty when streaming, the whole answer otherwise.
  std::function<OrderedJson(const GenerateResult& result, const ReplyDelta& whole, int64_t load_ns)>
      final;
};

// Who is generating, for metrics and draining.
struct GenerationWatch {
  std::string model;     // the name the request used
  int64_t start_ns = 0;  // now_ns() when the request arrived
  Metrics* metrics = nullptr;
  GenerationTracker* tracker = nullptr;
  std::shared_ptr<GenerationTracker::Ticket> ticket;
  // Whether the client hung up (http_util's client_gone): a non-streaming request whose client
  // gave up stops generating instead of holding its slot to the end.
  std::function<bool()> client_gone;
};

void respond_generation(http::Response& res, std::shared_ptr<RunnerLease> lease,
                        GenerateInput input, bool stream, GenerationReply reply,
                        GenerationWatch watch);

}  // namespace slimllm
