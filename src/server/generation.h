// Runs one generation on a leased runner and answers it: NDJSON chunks flushed per piece (a
// client that goes away stops the runner at its next piece and frees the slot), or one JSON
// object with the concatenated text.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "engine/scheduler.h"
#include "store/go_json.h"

namespace slimllm {

struct GenerationReply {
  // A streamed chunk for one piece of text.
  std::function<OrderedJson(const std::string& piece)> chunk;
  // The final object: `text` is "" when streaming, the whole answer otherwise.
  std::function<OrderedJson(const GenerateResult& result, const std::string& text, int64_t load_ns)>
      final;
};

void respond_generation(httplib::Response& res, std::shared_ptr<RunnerLease> lease,
                        GenerateInput input, bool stream, GenerationReply reply);

}  // namespace slimllm
