// /v1/responses: the request is translated (api/openai_responses.h), the native /api/chat
// handler runs it, and its answer comes back as a `response` object or, streamed, as the
// Responses API's typed server-sent events.
#include "api/api_error.h"
#include "api/openai.h"
#include "api/openai_responses.h"
#include "api/types.h"
#include "base/strings.h"
#include "server/http_util.h"
#include "server/native_bridge.h"
#include "server/routes.h"

namespace slimllm {
namespace {

namespace oa = api::openai;

// The native NDJSON stream, line by line, as Responses events.
class ResponsesTranslator final : public StreamTranslator {
 public:
  explicit ResponsesTranslator(oa::ResponsesExchange exchange) : stream_(std::move(exchange)) {}

 private:
  bool line(http::DataSink& out, const nlohmann::json& native) override {
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
  void finish(http::DataSink&) override {}

  oa::ResponsesStream stream_;
};

void handle_responses(ServerContext& ctx, const http::Request& req, http::Response& res) {
  oa::ResponsesExchange exchange;
  nlohmann::json native_body;
  try {
    native_body = oa::responses_request(api::parse_body(req.body), exchange);
  } catch (const ApiError& e) {
    send_openai_error(res, e.status(), e.what());
    return;
  }
  run_native(
      ctx, serve_chat, req, res, native_body,
      [&](const nlohmann::json& body) { return oa::response_object(body, exchange); },
      std::make_shared<ResponsesTranslator>(exchange));
}

}  // namespace

void serve_openai_responses(ServerContext& ctx, const http::Request& req,
                            http::Response& res) {
  openai_guarded(res, [&] { handle_responses(ctx, req, res); });
}

}  // namespace slimllm
