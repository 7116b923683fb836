#include "server/generation.h"

#include "base/log.h"
#include "server/http_util.h"

namespace slimllm {

void respond_generation(httplib::Response& res, std::shared_ptr<RunnerLease> lease,
                        GenerateInput input, bool stream, GenerationReply reply) {
  if (!stream) {
    std::string text;
    GenerateResult result = lease->runner().generate(input, [&](std::string_view piece) {
      text += piece;
      return true;
    });
    int64_t load_ns = lease->load_duration_ns();
    lease->release();
    send_json(res, reply.final(result, text, load_ns));
    return;
  }
  auto shared_input = std::make_shared<GenerateInput>(std::move(input));
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [lease, shared_input, reply](size_t, httplib::DataSink& sink) {
        bool client_gone = false;
        try {
          GenerateResult result =
              lease->runner().generate(*shared_input, [&](std::string_view piece) {
                if (!write_line(sink, reply.chunk(std::string(piece)))) client_gone = true;
                return !client_gone;
              });
          int64_t load_ns = lease->load_duration_ns();
          lease->release();
          if (client_gone) {
            log_info("client disconnected, generation stopped");
            return false;
          }
          write_line(sink, reply.final(result, "", load_ns));
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
