// The OpenAI-compatible routes: /v1/chat/completions and /v1/completions
// translate the request (api/openai.h), run the native /api/chat or
// /api/generate handler, and translate its answer — the JSON object, or each
// NDJSON line of its stream into a server-sent event ending with `data:
// [DONE]`. /v1/embeddings runs /api/embed the same way (api/openai_embed.h).
// /v1/models and /v1/models/:model list the store.
#include <chrono>

#include "api/api_error.h"
#include "api/openai.h"
#include "api/openai_embed.h"
#include "base/strings.h"
#include "server/http_util.h"
#include "server/native_bridge.h"
#include "server/routes.h"

namespace slimllm {
namespace {

namespace oa = api::openai;

bool write_event(http::DataSink& sink, const std::string& data) {
  const std::string event = "data: " + data + "\n\n";
  return sink.write(event.data(), event.size());
}

// Chat and completion chunks as `data:` events, the usage chunk when asked, then [DONE].
class EventTranslator final : public StreamTranslator {
 public:
  using ChunkFn = std::function<OrderedJson(const nlohmann::json& native)>;
  EventTranslator(ChunkFn chunk, oa::Exchange exchange, const char* object)
      : chunk_(std::move(chunk)), exchange_(std::move(exchange)), object_(object) {}

 private:
  bool line(http::DataSink& out, const nlohmann::json& native) override {
    if (native.contains("error")) {
      // An error in the middle of a stream (the status line is long gone).
      const std::string message =
          native["error"].is_string() ? native["error"].get<std::string>() : native.dump();
      return write_event(out, go_json(oa::error_body(500, message, "api_error")));
    }
    if (native.value("done", false)) final_ = native;
    return write_event(out, go_json(chunk_(native)));
  }
  void finish(http::DataSink& out) override {
    if (exchange_.include_usage && final_.is_object()) {
      write_event(out, go_json(oa::usage_chunk(final_, exchange_, object_)));
    }
    write_event(out, "[DONE]");
  }

  ChunkFn chunk_;
  oa::Exchange exchange_;
  const char* object_;
  nlohmann::json final_;
};

void handle_chat_completions(ServerContext& ctx, const http::Request& req,
                             http::Response& res) {
  oa::Exchange exchange;
  nlohmann::json native;
  try {
    native = oa::chat_request(api::parse_body(req.body), exchange);
  } catch (const ApiError& e) {
    send_openai_error(res, e.status(), e.what());
    return;
  }
  auto sent_tool_calls = std::make_shared<bool>(false);
  run_native(
      ctx, serve_chat, req, res, native,
      [&](const nlohmann::json& body) { return oa::chat_response(body, exchange); },
      std::make_shared<EventTranslator>(
          [exchange, sent_tool_calls](const nlohmann::json& chunk) {
            return oa::chat_chunk(chunk, exchange, *sent_tool_calls);
          },
          exchange, "chat.completion.chunk"));
}

void handle_completions(ServerContext& ctx, const http::Request& req, http::Response& res) {
  oa::Exchange exchange;
  nlohmann::json native;
  try {
    native = oa::completion_request(api::parse_body(req.body), exchange);
  } catch (const ApiError& e) {
    send_openai_error(res, e.status(), e.what());
    return;
  }
  run_native(
      ctx, serve_generate, req, res, native,
      [&](const nlohmann::json& body) { return oa::completion_response(body, exchange); },
      std::make_shared<EventTranslator>(
          [streamed = std::make_shared<oa::Exchange>(exchange)](const nlohmann::json& chunk) {
            return oa::completion_chunk(chunk, *streamed);
          },
          exchange, "text_completion"));
}

void handle_embeddings(ServerContext& ctx, const http::Request& req, http::Response& res) {
  oa::EmbedExchange exchange;
  nlohmann::json native;
  try {
    native = oa::embeddings_request(api::parse_body(req.body), exchange);
  } catch (const ApiError& e) {
    send_openai_error(res, e.status(), e.what());
    return;
  }
  run_native(
      ctx, serve_embed, req, res, native,
      [&](const nlohmann::json& body) { return oa::embeddings_response(body, exchange); }, nullptr);
}

int64_t unix_seconds(std::filesystem::file_time_type t) {
  const auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

void handle_models(ServerContext& ctx, http::Response& res) {
  OrderedJson data = OrderedJson::array();
  for (const StoredModel& m : ctx.store.list()) {
    data.push_back(oa::model_entry(m.name.display(), unix_seconds(m.modified), m.name.ns));
  }
  OrderedJson body;
  body["object"] = "list";
  // Ollama's quirk, kept for clients that test for it: no models is null, not
  // [].
  body["data"] = data.empty() ? OrderedJson() : data;
  res.set_content(go_json(body), "application/json");
}

void handle_model(ServerContext& ctx, const http::Request& req, http::Response& res) {
  const std::string id = req.matches[1];
  const std::optional<ModelName> name = ModelName::parse(id);
  const std::optional<StoredModel> m = name ? ctx.store.find(*name) : std::nullopt;
  if (!m) {
    send_openai_error(res, 404, str_cat("model '", id, "' not found"));
    return;
  }
  res.set_content(go_json(oa::model_entry(id, unix_seconds(m->modified), m->name.ns)),
                  "application/json");
}

}  // namespace

void add_openai_routes(RouteTable& routes, ServerContext& ctx) {
  routes.post("/v1/chat/completions", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                openai_guarded(res, [&] { handle_chat_completions(ctx, req, res); });
              });
  routes.post("/v1/completions", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                openai_guarded(res, [&] { handle_completions(ctx, req, res); });
              });
  routes.post("/v1/embeddings", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                openai_guarded(res, [&] { handle_embeddings(ctx, req, res); });
              });
  routes.post("/v1/responses", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                serve_openai_responses(ctx, req, res);
              });
  routes.get("/v1/models", Scope::kRead, [&ctx](const http::Request&, http::Response& res) {
    openai_guarded(res, [&] { handle_models(ctx, res); });
  });
  routes.get(R"(/v1/models/(.+))", Scope::kRead,
             [&ctx](const http::Request& req, http::Response& res) {
               openai_guarded(res, [&] { handle_model(ctx, req, res); });
             });
}

}  // namespace slimllm
