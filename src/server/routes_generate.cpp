// /api/generate and /api/chat: parse and validate, find the model, render the prompt through the
// PromptRenderer, lease a runner from the scheduler, and answer (streamed or not).
#include <chrono>
#include <numeric>

#include "api/api_error.h"
#include "api/time_format.h"
#include "api/types.h"
#include "base/clock.h"
#include "base/log.h"
#include "gguf/reader.h"
#include "server/generation.h"
#include "server/http_util.h"
#include "server/routes.h"
#include "server/served_model.h"
#include "store/model_info.h"

namespace slimllm {
namespace {

std::string now_utc() {
  return rfc3339_utc(std::chrono::system_clock::now());
}

std::vector<std::string> capabilities_of(const ServedModel& model) {
  if (model.layers.model_path.empty()) return {};
  GgufFile gguf = GgufFile::open(model.layers.model_path);
  return model_capabilities(gguf, model.layers.template_text);
}

bool has(const std::vector<std::string>& caps, const char* cap) {
  return std::find(caps.begin(), caps.end(), cap) != caps.end();
}

// "" / null ⇒ none; "json"; or a schema object (its JSON text).
std::string check_format(const api::Json& format) {
  if (format.is_null() || (format.is_string() && format.get<std::string>().empty())) return "";
  if (format.is_string() && format.get<std::string>() == "json") return "json";
  if (format.is_object()) return format.dump();
  // Go's %q of the raw JSON text.
  std::string quoted = "\"";
  for (char c : format.dump()) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "\"";
  fail_status(400, str_cat("invalid format: ", quoted,
                           "; expected \"json\" or a valid JSON Schema object"));
}

void check_common(const ServedModel& model, const std::string& requested, const api::Json& think,
                  int top_logprobs, bool needs_insert, bool needs_tools) {
  if (top_logprobs < 0 || top_logprobs > 20)
    fail_status(400, "top_logprobs must be between 0 and 20");
  if (model.layers.model_path.empty())
    fail_status(400, str_cat("\"", requested, "\" does not support generate"));
  bool wants_think = think.is_boolean() ? think.get<bool>() : think.is_string();
  if (think.is_string()) {
    std::string level = think.get<std::string>();
    if (level != "high" && level != "medium" && level != "low" && level != "max") {
      fail_status(400,
                  str_cat("invalid think value: \"", level,
                          "\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)"));
    }
  }
  if (!wants_think && !needs_insert && !needs_tools) return;
  std::vector<std::string> caps = capabilities_of(model);
  if (needs_insert && !has(caps, "insert"))
    fail_status(400, model.name.full() + " does not support insert");
  if (needs_tools && !has(caps, "tools"))
    fail_status(400, model.name.full() + " does not support tools");
  if (wants_think && !has(caps, "thinking")) {
    fail_status(400, str_cat("\"", requested, "\" does not support thinking"));
  }
}

// Images reach only a model that can see them: Ollama's runner refuses them for a model without
// a vision encoder (model.ErrNoVisionModel) instead of answering as if there were no image.
void check_images(const ServedModel& model, size_t images) {
  if (images > 0 && !has(capabilities_of(model), "vision")) {
    fail_status(400, "this model is missing data required for image input");
  }
}

// Loads (or unloads, with keep_alive 0) the model for an empty request; returns done_reason.
std::string load_or_unload(ServerContext& ctx, const ServedModel& model, const Options& options,
                           std::optional<int64_t> keep_alive) {
  if (keep_alive && *keep_alive == 0) {
    ctx.scheduler.expire(model.layers.model_path);
    return "unload";
  }
  RunnerLease lease = ctx.scheduler.acquire(model.spec(), load_options(options), keep_alive);
  lease.release();
  return "load";
}

api::Metrics metrics_of(const GenerateResult& result, int64_t start, int64_t load_ns) {
  api::Metrics m;
  m.total_duration = now_ns() - start;
  m.load_duration = load_ns;
  m.prompt_eval_count = result.prompt_eval_count;
  m.prompt_eval_duration = result.prompt_eval_duration_ns;
  m.eval_count = result.eval_count;
  m.eval_duration = result.eval_duration_ns;
  return m;
}

// Counted as in flight (for draining) from before it queues for a slot; metrics name the model
// as the scheduler does (its display name), whatever alias the request used.
GenerationWatch watch_generation(ServerContext& ctx, const std::string& model, int64_t start) {
  GenerationWatch watch;
  watch.model = model;
  watch.start_ns = start;
  watch.metrics = &ctx.metrics;
  watch.tracker = &ctx.generations;
  watch.ticket = ctx.generations.begin();
  return watch;
}

// What both routes start the same way once the prompt is rendered: the runner's input from the
// request's shared fields, the in-flight watch, and a lease on a runner (queued until a slot
// frees, or until the client hangs up).
struct StartedGeneration {
  GenerateInput input;
  GenerationWatch watch;
  std::shared_ptr<RunnerLease> lease;
};

StartedGeneration start_generation(ServerContext& ctx, const httplib::Request& req,
                                   const ServedModel& model, const api::InferenceRequest& r,
                                   const Options& options, const std::string& prompt,
                                   const std::string& format, int64_t start) {
  StartedGeneration g;
  g.input.prompt = prompt;
  g.input.sampling = sampling_options(options);
  g.input.format = format;
  g.input.truncate = r.truncate.value_or(true);
  g.input.shift = r.shift.value_or(true);
  g.watch = watch_generation(ctx, model.name.display(), start);
  g.lease = std::make_shared<RunnerLease>(
      ctx.scheduler.acquire(model.spec(), load_options(options), r.keep_alive, client_gone(req)));
  return g;
}

OrderedJson debug_render(const std::string& model, const std::string& prompt, size_t images) {
  OrderedJson j;
  j["model"] = model;
  j["created_at"] = now_utc();
  OrderedJson info;
  info["rendered_template"] = prompt;
  info["image_count"] = images;
  j["_debug_info"] = info;
  return j;
}

void handle_generate(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const int64_t start = now_ns();
  api::GenerateRequest r = api::GenerateRequest::from_json(api::parse_body(req.body));
  std::optional<ServedModel> model = find_served_model(ctx, r.model);
  if (!model) fail_status(404, str_cat("model '", r.model, "' not found"));
  if (r.raw && (r.template_text || !r.system.empty() || !r.context.empty())) {
    fail_status(400, "raw mode does not support template, system, or context");
  }
  std::string format = check_format(r.format);
  check_common(*model, r.model, r.think, r.top_logprobs, !r.suffix.empty(), false);
  check_images(*model, r.images.size());
  Options options = model->options(ctx.config.context_length, r.options);

  if (r.prompt.empty() && r.images.empty() && r.suffix.empty() && !r.debug_render_only) {
    api::GenerateResponse done;
    done.model = r.model;
    done.done_reason = load_or_unload(ctx, *model, options, r.keep_alive);
    done.created_at = now_utc();
    done.done = true;
    send_json(res, done.to_json());
    return;
  }

  std::string prompt = r.prompt;
  if (!r.raw) {
    PromptRequest p;
    p.template_text = r.template_text.value_or(model->layers.template_text);
    p.system = r.system.empty() ? model->layers.system : r.system;
    p.prompt = r.prompt;
    p.suffix = r.suffix;
    p.think = r.think;
    if (!r.suffix.empty()) {
      p.kind = PromptRequest::Kind::kFim;
    } else if (r.template_text) {
      p.kind = PromptRequest::Kind::kLegacy;
    } else {
      p.kind = PromptRequest::Kind::kMessages;
      if (!p.system.empty()) p.messages.push_back(api::Message::of("system", p.system));
      if (r.context.empty()) {
        for (const auto& m : model->layers.messages) {
          p.messages.push_back(api::Message::of(m.value("role", ""), m.value("content", "")));
        }
      }
      api::Message user = api::Message::of("user", r.prompt);
      user.images = r.images;
      p.messages.push_back(user);
    }
    prompt = ctx.renderer->render(p);
  }
  if (r.debug_render_only) {
    send_json(res, debug_render(r.model, prompt, r.images.size()));
    return;
  }
  log_debug("generate request",
            {{"images", static_cast<int64_t>(r.images.size())}, {"prompt", prompt}});

  StartedGeneration g = start_generation(ctx, req, *model, r, options, prompt, format, start);
  g.input.context_tokens = r.context;

  std::string name = r.model;
  bool raw = r.raw;
  GenerationReply reply;
  reply.chunk = [name](const std::string& piece) {
    api::GenerateResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.response = piece;
    return c.to_json();
  };
  reply.final = [name, start, raw](const GenerateResult& result, const std::string& text,
                                   int64_t load_ns) {
    api::GenerateResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.response = text;
    c.done = true;
    c.done_reason = result.done_reason;
    if (!raw) c.context = result.context;
    c.metrics = metrics_of(result, start, load_ns);
    return c.to_json();
  };
  respond_generation(res, g.lease, std::move(g.input), r.stream, reply, std::move(g.watch));
}

void handle_chat(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const int64_t start = now_ns();
  api::ChatRequest r = api::ChatRequest::from_json(api::parse_body(req.body));
  if (!ModelName::parse(r.model)) fail_status(400, "model is required");
  std::optional<ServedModel> model = find_served_model(ctx, r.model);
  if (!model) fail_status(404, str_cat("model '", r.model, "' not found"));
  std::string format = check_format(r.format);
  bool has_tools = r.tools.is_array() && !r.tools.empty();
  check_common(*model, r.model, r.think, r.top_logprobs, false, has_tools);
  check_images(
      *model, std::accumulate(r.messages.begin(), r.messages.end(), size_t{0},
                              [](size_t n, const api::Message& m) { return n + m.images.size(); }));
  Options options = model->options(ctx.config.context_length, r.options);

  if (r.messages.empty()) {
    api::ChatResponse done;
    done.model = r.model;
    done.message.role = "assistant";
    done.done_reason = load_or_unload(ctx, *model, options, r.keep_alive);
    done.created_at = now_utc();
    done.done = true;
    send_json(res, done.to_json());
    return;
  }

  PromptRequest p;
  p.kind = PromptRequest::Kind::kMessages;
  p.template_text = model->layers.template_text;
  p.tools = r.tools;
  p.think = r.think;
  for (const auto& m : model->layers.messages) {
    p.messages.push_back(api::Message::of(m.value("role", ""), m.value("content", "")));
  }
  for (const api::Message& m : r.messages) p.messages.push_back(m);
  if (r.messages.front().role != "system" && !model->layers.system.empty()) {
    p.messages.insert(p.messages.begin(), api::Message::of("system", model->layers.system));
  }
  std::string prompt = ctx.renderer->render(p);
  size_t images = 0;
  for (const api::Message& m : r.messages) images += m.images.size();
  if (r.debug_render_only) {
    send_json(res, debug_render(r.model, prompt, images));
    return;
  }
  log_debug("chat request", {{"images", static_cast<int64_t>(images)}, {"prompt", prompt}});

  StartedGeneration g = start_generation(ctx, req, *model, r, options, prompt, format, start);

  std::string name = r.model;
  GenerationReply reply;
  reply.chunk = [name](const std::string& piece) {
    api::ChatResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.message.role = "assistant";
    c.message.content = piece;
    return c.to_json();
  };
  reply.final = [name, start](const GenerateResult& result, const std::string& text,
                              int64_t load_ns) {
    api::ChatResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.message.role = "assistant";
    c.message.content = text;
    c.done = true;
    c.done_reason = result.done_reason;
    c.metrics = metrics_of(result, start, load_ns);
    return c.to_json();
  };
  respond_generation(res, g.lease, std::move(g.input), r.stream, reply, std::move(g.watch));
}

}  // namespace

void serve_generate(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  guarded(res, [&] { handle_generate(ctx, req, res); });
}

void serve_chat(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  guarded(res, [&] { handle_chat(ctx, req, res); });
}

void add_generate_routes(RouteTable& routes, ServerContext& ctx) {
  routes.post("/api/generate", [&ctx](const httplib::Request& req, httplib::Response& res) {
    serve_generate(ctx, req, res);
  });
  routes.post("/api/chat", [&ctx](const httplib::Request& req, httplib::Response& res) {
    serve_chat(ctx, req, res);
  });
}

}  // namespace slimllm
