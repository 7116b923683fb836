// /api/generate and /api/chat: parse and validate, find the model, render the prompt through the
// PromptRenderer, lease a runner from the scheduler, and answer (streamed or not).
#include <chrono>
#include <map>
#include <mutex>
#include <numeric>

#include "api/api_error.h"
#include "api/time_format.h"
#include "api/types.h"
#include "base/clock.h"
#include "base/log.h"
#include "gguf/reader.h"
#include "server/generation.h"
#include "server/http_util.h"
#include "server/output_spec.h"
#include "server/routes.h"
#include "server/served_model.h"
#include "server/tool_grammar.h"
#include "store/model_info.h"
#include "template/template.h"

namespace slimllm {
namespace {

std::string now_utc() {
  return rfc3339_utc(std::chrono::system_clock::now());
}

// The request body again with its objects' key order kept: a schema's properties and a tool's
// parameters are generated in the order the client wrote them, as Ollama does.
OrderedJson ordered_body(const http::Request& req) {
  api::check_json_depth(req.body, "request body");
  OrderedJson body = OrderedJson::parse(req.body, nullptr, false);
  return body.is_object() ? body : OrderedJson::object();
}

OrderedJson field(const OrderedJson& body, const char* key) {
  auto it = body.find(key);
  return it == body.end() ? OrderedJson() : *it;
}

// `action` names the route in the capability error: "generate" or "chat".
void check_common(const ServedModel& model, const std::string& requested, const char* action,
                  const api::Json& think, int top_logprobs, bool needs_insert, bool needs_tools) {
  if (top_logprobs < 0 || top_logprobs > 20)
    fail_status(400, "top_logprobs must be between 0 and 20");
  if (model.layers.model_path.empty())
    fail_status(400, str_cat("\"", requested, "\" does not support generate"));
  // An embedding model cannot generate (Ollama's errCapabilityCompletion, worded per route).
  if (!has(capabilities_of(model), "completion")) {
    fail_status(400, str_cat("\"", requested, "\" does not support ", action));
  }
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
  // Levels are the harmony format's (gpt-oss); other thinking models think or do not.
  if (think.is_string() && model_details(model.layers).family != "gptoss") {
    fail_status(400, str_cat("think value \"", think.get<std::string>(),
                             "\" is not supported for this model"));
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

StartedGeneration start_generation(ServerContext& ctx, const http::Request& req,
                                   const ServedModel& model, const api::InferenceRequest& r,
                                   const Options& options, const std::string& prompt,
                                   const OutputGrammar& grammar, int64_t start) {
  StartedGeneration g;
  g.input.prompt = prompt;
  g.input.sampling = sampling_options(options);
  g.input.grammar = grammar;
  g.input.logprobs = r.logprobs;
  g.input.top_logprobs = r.top_logprobs;
  g.input.truncate = r.truncate.value_or(true);
  g.input.shift = r.shift.value_or(true);
  g.input.num_ctx = options.num_ctx;  // a loaded model with another num_ctx may serve it
  g.watch = watch_generation(ctx, model.name.display(), start);
  g.watch.client_gone = client_gone(req);
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

void handle_generate(ServerContext& ctx, const http::Request& req, http::Response& res) {
  const int64_t start = now_ns();
  api::GenerateRequest r = api::GenerateRequest::from_json(api::parse_body(req.body));
  std::optional<ServedModel> model = find_served_model(ctx, r.model);
  if (!model) fail_status(404, str_cat("model '", r.model, "' not found"));
  if (r.raw && (r.template_text || !r.system.empty() || !r.context.empty())) {
    fail_status(400, "raw mode does not support template, system, or context");
  }
  OutputGrammar grammar = format_grammar(field(ordered_body(req), "format"));
  check_common(*model, r.model, "generate", r.think, r.top_logprobs, !r.suffix.empty(), false);
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
  const std::string template_text = r.template_text.value_or(model->layers.template_text);
  const std::optional<ThinkingTags> tags = r.raw ? std::nullopt : thinking_tags(template_text);
  const nlohmann::json think = effective_think(r.think, tags);
  if (!r.raw) {
    PromptRequest p;
    p.template_text = template_text;
    p.system = r.system.empty() ? model->layers.system : r.system;
    p.prompt = r.prompt;
    p.suffix = r.suffix;
    p.think = think;
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

  const bool thinking = thinking_on(think, tags);
  if (thinking && !grammar.gbnf.empty()) grammar.after = tags->close;
  StartedGeneration g = start_generation(ctx, req, *model, r, options, prompt, grammar, start);
  // Checked before the stream's 200 goes out; the runner checks again.
  if (const int vocab = g.lease->runner().vocab_size(); vocab > 0) {
    for (int32_t id : r.context) {
      if (id < 0 || id >= vocab) {
        fail_status(400, str_cat("context: token id ", id, " is outside the model's vocabulary of ",
                                 vocab, " tokens"));
      }
    }
  }
  g.input.context_tokens = r.context;

  std::string name = r.model;
  bool raw = r.raw;
  GenerationReply reply;
  reply.parser = reply_parser(prompt, thinking, tags, std::nullopt);
  reply.chunk = [name](const ReplyDelta& delta) {
    api::GenerateResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.response = delta.content;
    c.thinking = delta.thinking;
    c.logprobs = logprobs_json(delta.logprobs);
    return c.to_json();
  };
  reply.final = [name, start, raw](const GenerateResult& result, const ReplyDelta& whole,
                                   int64_t load_ns) {
    api::GenerateResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.response = whole.content;
    c.thinking = whole.thinking;
    c.done = true;
    c.done_reason = result.done_reason;
    if (!raw) c.context = result.context;
    c.metrics = metrics_of(result, start, load_ns);
    c.logprobs = logprobs_json(whole.logprobs);
    return c.to_json();
  };
  respond_generation(res, g.lease, std::move(g.input), r.stream, std::move(reply),
                     std::move(g.watch));
}

void handle_chat(ServerContext& ctx, const http::Request& req, http::Response& res) {
  const int64_t start = now_ns();
  api::ChatRequest r = api::ChatRequest::from_json(api::parse_body(req.body));
  if (!ModelName::parse(r.model)) fail_status(400, "model is required");
  std::optional<ServedModel> model = find_served_model(ctx, r.model);
  if (!model) fail_status(404, str_cat("model '", r.model, "' not found"));
  const OrderedJson body = ordered_body(req);
  OutputGrammar grammar = format_grammar(field(body, "format"));
  const ToolChoice tool_choice = parse_tool_choice(r.tool_choice);
  OrderedJson tools =
      tool_choice.kind == ToolChoice::Kind::kNone ? OrderedJson() : field(body, "tools");
  bool has_tools = tools.is_array() && !tools.empty();
  if (!has_tools && (tool_choice.kind == ToolChoice::Kind::kRequired ||
                     tool_choice.kind == ToolChoice::Kind::kFunction)) {
    fail_status(400, "tool_choice requires a tool call but no tools were given");
  }
  check_common(*model, r.model, "chat", r.think, r.top_logprobs, false, has_tools);
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

  const std::string& template_text = model->layers.template_text;
  const std::optional<ThinkingTags> tags = thinking_tags(template_text);
  const nlohmann::json think = effective_think(r.think, tags);
  PromptRequest p;
  p.kind = PromptRequest::Kind::kMessages;
  p.template_text = template_text;
  p.tools = tools;
  p.think = think;
  for (const auto& m : model->layers.messages) {
    p.messages.push_back(api::Message::of(m.value("role", ""), m.value("content", "")));
  }
  for (const api::Message& m : r.messages) p.messages.push_back(m);
  if (r.messages.front().role != "system" && !model->layers.system.empty()) {
    p.messages.insert(p.messages.begin(), api::Message::of("system", model->layers.system));
  }
  size_t images = 0;
  for (const api::Message& m : r.messages) images += m.images.size();
  if (r.debug_render_only) {
    send_json(res, debug_render(r.model, ctx.renderer->render(p), images));
    return;
  }

  // Tool calls are read back in the template's format; a forced call is also generated in it.
  std::optional<ToolCallParser> tool_parser;
  const bool thinking = thinking_on(think, tags);
  if (has_tools) {
    const Template tmpl = Template::parse(template_text.empty() ? "{{ .Prompt }}" : template_text);
    tool_parser = ToolCallParser::for_template(tmpl, tools);
    if (tool_choice.kind == ToolChoice::Kind::kRequired ||
        tool_choice.kind == ToolChoice::Kind::kFunction) {
      if (!grammar.gbnf.empty()) {
        fail_status(400, "format cannot be combined with a tool_choice that requires a tool call");
      }
      grammar = forced_tool_call_grammar(tmpl.tool_call_prefix(), template_text, tools,
                                         tool_choice.function);
    }
  }
  if (thinking && !grammar.gbnf.empty()) grammar.after = tags->close;

  // The model is loaded before the prompt is built, so the conversation can be fitted into its
  // context: the oldest messages go first, system messages and the last message stay.
  StartedGeneration g = start_generation(ctx, req, *model, r, options, "", grammar, start);
  if (r.truncate.value_or(true)) {
    Runner& runner = g.lease->runner();
    p.num_ctx = static_cast<size_t>(runner.holds_context(g.input.num_ctx)
                                        ? std::min(g.input.num_ctx, runner.context_length() *
                                                                        ctx.scheduler.config().num_parallel)
                                        : runner.context_length());
    p.count_tokens = [&runner](std::string_view text) { return runner.count_tokens(text); };
  }
  const std::string prompt = ctx.renderer->render(p);
  g.input.prompt = prompt;
  log_debug("chat request", {{"images", static_cast<int64_t>(images)}, {"prompt", prompt}});

  std::string name = r.model;
  GenerationReply reply;
  reply.parser = reply_parser(prompt, thinking, tags, tool_parser);
  reply.chunk = [name](const ReplyDelta& delta) {
    api::ChatResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.message.role = "assistant";
    c.message.content = delta.content;
    c.message.thinking = delta.thinking;
    if (!delta.tool_calls.empty()) c.message.tool_calls = delta.tool_calls;
    c.logprobs = logprobs_json(delta.logprobs);
    return c.to_json();
  };
  reply.final = [name, start](const GenerateResult& result, const ReplyDelta& whole,
                              int64_t load_ns) {
    api::ChatResponse c;
    c.model = name;
    c.created_at = now_utc();
    c.message.role = "assistant";
    c.message.content = whole.content;
    c.message.thinking = whole.thinking;
    if (!whole.tool_calls.empty()) c.message.tool_calls = whole.tool_calls;
    c.done = true;
    c.done_reason = result.done_reason;
    c.metrics = metrics_of(result, start, load_ns);
    c.logprobs = logprobs_json(whole.logprobs);
    return c.to_json();
  };
  respond_generation(res, g.lease, std::move(g.input), r.stream, std::move(reply),
                     std::move(g.watch));
}

}  // namespace

void serve_generate(ServerContext& ctx, const http::Request& req, http::Response& res) {
  guarded(res, [&] { handle_generate(ctx, req, res); });
}

void serve_chat(ServerContext& ctx, const http::Request& req, http::Response& res) {
  guarded(res, [&] { handle_chat(ctx, req, res); });
}

void add_generate_routes(RouteTable& routes, ServerContext& ctx) {
  routes.post("/api/generate", Scope::kGenerate,
              [&ctx](const http::Request& req, http::Response& res) {
                serve_generate(ctx, req, res);
              });
  routes.post(
      "/api/chat", Scope::kGenerate,
      [&ctx](const http::Request& req, http::Response& res) { serve_chat(ctx, req, res); });
}

}  // namespace slimllm
