// How the OpenAI-compatible routes (/v1/chat/completions, /v1/completions, /v1/responses) run on
// the native handlers: the translated body goes to /api/chat or /api/generate, and the answer
// comes back translated — the whole JSON object, or each NDJSON line of the native stream turned
// into server-sent events by a StreamTranslator. Errors are answered in OpenAI's shape.
#pragma once

#include "http/message.h"

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/server.h"
#include "store/go_json.h"

namespace slimllm {

using NativeHandler = void (*)(ServerContext&, const http::Request&, http::Response&);

// {"error":{"message","type","param","code"}} with `status`.
void send_openai_error(http::Response& res, int status, const std::string& message,
                       const std::string& type = "");
// Any exception escaping `fn`, answered as an OpenAI error.
void openai_guarded(http::Response& res, const std::function<void()>& fn);

// Turns the native stream into events, one NDJSON line at a time.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;
  bool write(http::DataSink& out, const char* data, size_t size);
  void done(http::DataSink& out);

 protected:
  // One native line (a chunk, the final object, or {"error": ...} once streaming has begun).
  virtual bool line(http::DataSink& out, const nlohmann::json& native) = 0;
  // After the last line: closing events.
  virtual void finish(http::DataSink& out) = 0;

 private:
  bool line_out(http::DataSink& out, const std::string& text);
  std::string buffer_;
};

void run_native(ServerContext& ctx, NativeHandler handler, const http::Request& req,
                http::Response& res, const nlohmann::json& native_body,
                const std::function<OrderedJson(const nlohmann::json&)>& whole,
                std::shared_ptr<StreamTranslator> stream);

}  // namespace slimllm
