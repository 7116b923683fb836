// /v1/responses: the request is translated (api/openai_responses.h), the native /api/chat
// handler runs it, and its answer comes back as a `response` object or, streamed, as the
// Responses API's typed server-sent events.
#include "api/api_error.h"
#include "api/openai.h"
#include "api/openai_responses.h"
#include "api/types.h"
#include "base/strings.h"
#include "server/http_util.h"
#include "server/routes.h"

namespace slimllm {
namespace {

namespace oa = api::openai;

void send_openai_error(httplib::Response& res, int status, const std::string& message,
                       const std::string& type = "") {
  res.status = status;
  res.set_content(go_json(oa::error_body(status, message, type)), "application/json");
}

// The native NDJSON stream, line by line, as Responses events.
class ResponsesTranslator {
 public:
  explicit ResponsesTranslator(oa::ResponsesExchange exchange) : stream_(std::move(exchange)) {}

  bool write(httplib::DataSink& out, const char* data, size_t size) {
    buffer_.append(data, size);
    size_t newline;
    while ((newline = buffer_.find('\n')) != std::string::npos) {
      const std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (!line_out(out, line)) return false;
    }
    return true;
  }

  void done(httplib::DataSink& out) {
    if (!buffer_.empty()) line_out(out, buffer_);
    buffer_.clear();
    out.done();
  }

 private:
  bool line_out(httplib::DataSink& out, const std::string& line) {
    if (str_trim(line).empty()) return true;
    const nlohmann::json native = nlohmann::json::parse(line, nullptr, false);
    if (native.is_discarded()) return true;
    std::vector<oa::ResponseEvent> events;
    if (native.contains("error")) {
      // The status line is long gone: the failure is an event.
      events = stream_.failed(native["error"].is_string() ? native["error"].get<std::string>()
                                                          : native["error"].dump());
    } else {
      events = stream_.chunk(native);
    }
    for (const oa::ResponseEvent& e : events) {
      const std::string text = e.sse();
      if (!out.write(text.data(), text.size())) return false;
    }
    return true;
  }

  oa::ResponsesStream stream_;
  std::string buffer_;
};

void handle_responses(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  oa::ResponsesExchange exchange;
  nlohmann::json native_body;
  try {
    native_body = oa::responses_request(api::parse_body(req.body), exchange);
  } catch (const ApiError& e) {
    send_openai_error(res, e.status(), e.what());
    return;
  }
  httplib::Request inner = req;
  inner.body = native_body.dump();
  httplib::Response native;
  serve_chat(ctx, inner, native);
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
    res.set_content(go_json(oa::response_object(body, exchange)), "application/json");
    return;
  }
  // Take over the native stream: its provider writes NDJSON into a sink that translates.
  auto provider = std::make_shared<httplib::ContentProvider>(std::move(native.content_provider_));
  auto releaser = std::make_shared<httplib::ContentProviderResourceReleaser>(
      std::move(native.content_provider_resource_releaser_));
  native.content_provider_ = nullptr;
  native.content_provider_resource_releaser_ = nullptr;
  auto translator = std::make_shared<ResponsesTranslator>(exchange);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [provider, translator](size_t offset, httplib::DataSink& out) {
        httplib::DataSink inner_sink;
        inner_sink.write = [&](const char* data, size_t size) {
          return translator->write(out, data, size);
        };
        inner_sink.done = [&] { translator->done(out); };
        inner_sink.is_writable = [&] { return out.is_writable(); };
        return (*provider)(offset, 0, inner_sink);
      },
      [releaser](bool success) {
        if (*releaser) (*releaser)(success);
      });
}

}  // namespace

void serve_openai_responses(ServerContext& ctx, const httplib::Request& req,
                            httplib::Response& res) {
  try {
    handle_responses(ctx, req, res);
  } catch (...) {
    std::string message;
    const int status = current_exception_status(message);
    send_openai_error(res, status, message, "api_error");
  }
}

}  // namespace slimllm
