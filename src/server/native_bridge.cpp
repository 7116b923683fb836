#include "server/native_bridge.h"

#include "api/openai.h"
#include "base/strings.h"
#include "server/http_util.h"

namespace slimllm {

void send_openai_error(http::Response& res, int status, const std::string& message,
                       const std::string& type) {
  res.status = status;
  res.set_content(go_json(api::openai::error_body(status, message, type)), "application/json");
}

void openai_guarded(http::Response& res, const std::function<void()>& fn) {
  try {
    fn();
  } catch (...) {
    std::string message;
    const int status = current_exception_status(message);
    send_openai_error(res, status, message, "api_error");
  }
}

bool StreamTranslator::write(http::DataSink& out, const char* data, size_t size) {
  buffer_.append(data, size);
  size_t newline;
  while ((newline = buffer_.find('\n')) != std::string::npos) {
    const std::string text = buffer_.substr(0, newline);
    buffer_.erase(0, newline + 1);
    if (!line_out(out, text)) return false;
  }
  return true;
}

void StreamTranslator::done(http::DataSink& out) {
  if (!buffer_.empty()) line_out(out, buffer_);
  buffer_.clear();
  finish(out);
  out.done();
}

bool StreamTranslator::line_out(http::DataSink& out, const std::string& text) {
  if (str_trim(text).empty()) return true;
  const nlohmann::json native = nlohmann::json::parse(text, nullptr, false);
  if (native.is_discarded()) return true;
  return line(out, native);
}

void run_native(ServerContext& ctx, NativeHandler handler, const http::Request& req,
                http::Response& res, const nlohmann::json& native_body,
                const std::function<OrderedJson(const nlohmann::json&)>& whole,
                std::shared_ptr<StreamTranslator> stream) {
  http::Request inner = req;
  inner.body = native_body.dump();
  http::Response native;
  handler(ctx, inner, native);
  const bool streaming = static_cast<bool>(native.content_provider_);
  if (native.status >= 300 || (!streaming && native.status != 200 && native.status != -1)) {
    const nlohmann::json error = nlohmann::json::parse(native.body, nullptr, false);
    std::string message = native.body;
    if (error.is_object() && error.contains("error") && error["error"].is_string()) {
      message = error["error"].get<std::string>();
    }
    send_openai_error(res, native.status, message, "api_error");
    return;
  }
  if (!streaming) {
    const nlohmann::json body = nlohmann::json::parse(native.body, nullptr, false);
    if (body.is_discarded()) {
      send_openai_error(res, 500, "invalid response from the model", "api_error");
      return;
    }
    res.set_content(go_json(whole(body)), "application/json");
    return;
  }
  // Take over the native stream: its provider writes NDJSON into a sink that translates.
  auto provider = std::make_shared<http::ContentProvider>(std::move(native.content_provider_));
  auto releaser = std::make_shared<http::ContentProviderResourceReleaser>(
      std::move(native.content_provider_resource_releaser_));
  native.content_provider_ = nullptr;
  native.content_provider_resource_releaser_ = nullptr;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [provider, stream](size_t offset, http::DataSink& out) {
        http::DataSink inner_sink;
        inner_sink.write = [&](const char* data, size_t size) {
          return stream->write(out, data, size);
        };
        inner_sink.done = [&] { stream->done(out); };
        inner_sink.is_writable = [&] { return out.is_writable(); };
        return (*provider)(offset, 0, inner_sink);
      },
      [releaser](bool success) {
        if (*releaser) (*releaser)(success);
      });
}

}  // namespace slimllm
