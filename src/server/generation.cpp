#include "server/generation.h"

#include "base/clock.h"
#include "base/log.h"
#include "server/http_util.h"
#include "server/metrics.h"

namespace slimllm {

std::shared_ptr<GenerationTracker::Ticket> GenerationTracker::begin() {
  std::lock_guard lock(mutex_);
  in_flight_++;
  return std::make_shared<Ticket>(*this);
}

void GenerationTracker::finished() {
  std::lock_guard lock(mutex_);
  in_flight_--;
  changed_.notify_all();
}

int GenerationTracker::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

void GenerationTracker::start_draining() {
  std::lock_guard lock(mutex_);
  draining_ = true;
  changed_.notify_all();
}

bool GenerationTracker::draining() const {
  std::lock_guard lock(mutex_);
  return draining_;
}

void GenerationTracker::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  changed_.notify_all();
}

bool GenerationTracker::aborted() const {
  std::lock_guard lock(mutex_);
  return aborted_;
}

bool GenerationTracker::wait_idle(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return in_flight_ == 0; });
}

namespace {

// Counts the pieces' timing and the result into the metrics.
class GenerationMeter {
 public:
  explicit GenerationMeter(const GenerationWatch& watch) : watch_(watch) {}
  void piece() {
    if (first_seen_ || !watch_.metrics) return;
    first_seen_ = true;
    watch_.metrics->observe_first_token(watch_.model,
                                        static_cast<double>(now_ns() - watch_.start_ns) / 1e9);
  }
  void result(const GenerateResult& r) {
    if (!watch_.metrics) return;
    watch_.metrics->add_tokens(watch_.model, r.prompt_eval_count, r.eval_count);
    watch_.metrics->add_prompt_cache_hit(watch_.model, r.prompt_cached_count);
    if (r.eval_count > 0 && r.eval_duration_ns > 0 && !r.done_reason.empty()) {
      watch_.metrics->observe_generation_speed(
          watch_.model,
          static_cast<double>(r.eval_count) * 1e9 / static_cast<double>(r.eval_duration_ns));
    }
  }

 private:
  const GenerationWatch& watch_;
  bool first_seen_ = false;
};

bool aborted(const GenerationWatch& watch) {
  return watch.tracker && watch.tracker->aborted();
}

}  // namespace

void respond_generation(http::Response& res, std::shared_ptr<RunnerLease> lease,
                        GenerateInput input, bool stream, GenerationReply reply,
                        GenerationWatch watch) {
  if (!stream) {
    ReplyDelta whole;
    GenerationMeter meter(watch);
    bool gone = false;
    GenerateResult result = lease->runner().generate(input, [&](const GeneratedPiece& piece) {
      if (!piece.text.empty()) meter.piece();
      whole.append(reply.parser.add(piece));
      gone = gone || (watch.client_gone && watch.client_gone());
      return !aborted(watch) && !gone;
    });
    whole.append(reply.parser.finish());
    meter.result(result);
    int64_t load_ns = lease->load_duration_ns();
    lease->release();
    if (gone) {
      log_info("client disconnected, generation stopped", {{"model", watch.model}});
      send_error(res, 499, "client disconnected");
      return;
    }
    if (aborted(watch)) {
      send_error(res, 503, kShutdownMessage);
      return;
    }
    send_json(res, reply.final(result, whole, load_ns));
    return;
  }
  auto shared_input = std::make_shared<GenerateInput>(std::move(input));
  auto shared_watch = std::make_shared<GenerationWatch>(std::move(watch));
  auto shared_reply = std::make_shared<GenerationReply>(std::move(reply));
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [lease, shared_input, shared_reply, shared_watch](size_t, http::DataSink& sink) {
        bool client_gone = false;
        bool stopped = false;
        GenerationMeter meter(*shared_watch);
        GenerationReply& reply = *shared_reply;
        auto send = [&](const ReplyDelta& delta) {
          if (delta.empty() || client_gone) return;
          if (!write_line(sink, reply.chunk(delta))) client_gone = true;
        };
        try {
          GenerateResult result =
              lease->runner().generate(*shared_input, [&](const GeneratedPiece& piece) {
                if (!piece.text.empty()) meter.piece();
                send(reply.parser.add(piece));
                stopped = aborted(*shared_watch);
                return !client_gone && !stopped;
              });
          meter.result(result);
          int64_t load_ns = lease->load_duration_ns();
          lease->release();
          if (client_gone) {
            log_info("client disconnected, generation stopped");
            return false;
          }
          if (stopped) {
            log_warn("generation stopped: shutdown grace period over",
                     {{"model", shared_watch->model}});
            OrderedJson error;
            error["error"] = kShutdownMessage;
            write_line(sink, error);
          } else {
            send(reply.parser.finish());
            write_line(sink, reply.final(result, ReplyDelta{}, load_ns));
          }
        } catch (...) {
          lease->release();
          std::string message;
          current_exception_status(message);
          log_error("generation failed", {{"error", message}});
          OrderedJson error;
          error["error"] = message;
          write_line(sink, error);
        }
        sink.done();
        return true;
      },
      [lease](bool) { lease->release(); });
}

}  // namespace slimllm
