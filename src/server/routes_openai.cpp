// The OpenAI-compatible routes: /v1/chat/completions and /v1/completions
// translate the request (api/openai.h), run the native /api/chat or
// /api/generate handler, and translate its answer — the JSON object, or each
// NDJSON line of its stream into a server-sent event ending with `data:
// [DONE]`. /v1/models and /v1/models/:model list the store.
#include <chrono>

#include "api/api_error.h"
#include "api/openai.h"
#include "base/strings.h"
#include "server/http_util.h"
#include "server/routes.h"

namespace slimllm {
namespace {

namespace oa = api::openai;
using NativeHandler = void (*)(ServerContext&, const httplib::Request&, httplib::Response&);

void send_openai_error(httplib::Response& res, int status, const std::string& message,
                       const std::string& type = "") {
  res.status = status;
  res.set_content(go_json(oa::error_body(status, message, type)), "application/json");
}

bool write_event(httplib::DataSink& sink, const std::string& data) {
  const std::string event = "data: " + data + "\n\n";
  return sink.write(event.data(), event.size());
}

// Turns a native NDJSON stream into server-sent events, line by line.
class EventTranslator {
 public:
  using ChunkFn = std::function<OrderedJson(const nlohmann::json& native)>;
  EventTranslator(ChunkFn chunk, oa::Exchange exchange, const char* object)
      : chunk_(std::move(chunk)), exchange_(std::move(exchange)), object_(object) {}

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
    if (exchange_.include_usage && final_.is_object()) {
      write_event(out, go_json(oa::usage_chunk(final_, exchange_, object_)));
    }
    write_event(out, "[DONE]");
    out.done();
  }

 private:
  bool line_out(httplib::DataSink& out, const std::string& line) {
    if (str_trim(line).empty()) return true;
    nlohmann::json native = nlohmann::json::parse(line, nullptr, false);
    if (native.is_discarded()) return true;
    if (native.contains("error")) {
      // An error in the middle of a stream (the status line is long gone).
      const std::string message =
          native["error"].is_string() ? native["error"].get<std::string>() : native.dump();
      return write_event(out, go_json(oa::error_body(500, message, "api_error")));
    }
    if (native.value("done", false)) final_ = native;
    return write_event(out, go_json(chunk_(native)));
  }

  ChunkFn chunk_;
  oa::Exchange exchange_;
  const char* object_;
  std::string buffer_;
  nlohmann::json final_;
};

// Runs the native handler on the translated body and answers in OpenAI's shape.
void run_native(ServerContext& ctx, NativeHandler handler, const httplib::Request& req,
                httplib::Response& res, const nlohmann::json& native_body,
                const oa::Exchange& exchange,
                const std::function<OrderedJson(const nlohmann::json&)>& whole,
                const EventTranslator::ChunkFn& chunk, const char* chunk_object) {
  httplib::Request inner = req;
  inner.body = native_body.dump();
  httplib::Response native;
  handler(ctx, inner, native);
  const bool streaming = static_cast<bool>(native.content_provider_);
  if (native.status >= 300 || (!streaming && native.status != 200 && native.status != -1)) {
    nlohmann::json error = nlohmann::json::parse(native.body, nullptr, false);
    std::string message = native.body;
    if (error.is_object() && error.contains("error") && error["error"].is_string()) {
      message = error["error"].get<std::string>();
    }
    send_openai_error(res, native.status, message, "api_error");
    return;
  }
  if (!streaming) {
    nlohmann::json body = nlohmann::json::parse(native.body, nullptr, false);
    if (body.is_discarded()) {
      send_openai_error(res, 500, "invalid response from the model", "api_error");
      return;
    }
    res.set_content(go_json(whole(body)), "application/json");
    return;
  }
  // Take over the native stream: its provider writes NDJSON into a sink that
  // translates.
  auto provider = std::make_shared<httplib::ContentProvider>(std::move(native.content_provider_));
  auto releaser = std::make_shared<httplib::ContentProviderResourceReleaser>(
      std::move(native.content_provider_resource_releaser_));
  native.content_provider_ = nullptr;
  native.content_provider_resource_releaser_ = nullptr;
  auto translator = std::make_shared<EventTranslator>(chunk, exchange, chunk_object);
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

void handle_chat_completions(ServerContext& ctx, const httplib::Request& req,
                             httplib::Response& res) {
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
      ctx, serve_chat, req, res, native, exchange,
      [&](const nlohmann::json& body) { return oa::chat_response(body, exchange); },
      [exchange, sent_tool_calls](const nlohmann::json& chunk) {
        return oa::chat_chunk(chunk, exchange, *sent_tool_calls);
      },
      "chat.completion.chunk");
}

void handle_completions(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  oa::Exchange exchange;
  nlohmann::json native;
  try {
    native = oa::completion_request(api::parse_body(req.body), exchange);
  } catch (const ApiError& e) {
    send_openai_error(res, e.status(), e.what());
    return;
  }
  run_native(
      ctx, serve_generate, req, res, native, exchange,
      [&](const nlohmann::json& body) { return oa::completion_response(body, exchange); },
      [streamed = std::make_shared<oa::Exchange>(exchange)](const nlohmann::json& chunk) {
        return oa::completion_chunk(chunk, *streamed);
      },
      "text_completion");
}

int64_t unix_seconds(std::filesystem::file_time_type t) {
  const auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

void handle_models(ServerContext& ctx, httplib::Response& res) {
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

void handle_model(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
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

// Any exception left (the store unreadable...) as an OpenAI error.
void openai_guarded(httplib::Response& res, const std::function<void()>& fn) {
  try {
    fn();
  } catch (...) {
    std::string message;
    const int status = current_exception_status(message);
    send_openai_error(res, status, message, "api_error");
  }
}

}  // namespace

void add_openai_routes(RouteTable& routes, ServerContext& ctx) {
  routes.post("/v1/chat/completions", [&ctx](const httplib::Request& req, httplib::Response& res) {
    openai_guarded(res, [&] { handle_chat_completions(ctx, req, res); });
  });
  routes.post("/v1/completions", [&ctx](const httplib::Request& req, httplib::Response& res) {
    openai_guarded(res, [&] { handle_completions(ctx, req, res); });
  });
  routes.post("/v1/responses", [&ctx](const httplib::Request& req, httplib::Response& res) {
    serve_openai_responses(ctx, req, res);
  });
  routes.get("/v1/models", [&ctx](const httplib::Request&, httplib::Response& res) {
    openai_guarded(res, [&] { handle_models(ctx, res); });
  });
  routes.get(R"(/v1/models/(.+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    openai_guarded(res, [&] { handle_model(ctx, req, res); });
  });
}

}  // namespace slimllm
