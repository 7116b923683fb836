#include "template/template.h"

#include "base/strings.h"
#include "template/ast.h"

namespace slimllm {

namespace {

using tmpl::Arg;
using tmpl::Node;
using tmpl::Pipeline;

std::string lower(const std::string& s) {
  return str_lower(s);
}

void collect_pipe(const Pipeline& pipe, std::set<std::string>& vars);

void collect_arg(const Arg& arg, std::set<std::string>& vars) {
  for (const auto& f : arg.fields) vars.insert(lower(f));
  if (arg.pipe) collect_pipe(*arg.pipe, vars);
}

void collect_pipe(const Pipeline& pipe, std::set<std::string>& vars) {
  for (const auto& cmd : pipe.commands)
    for (const auto& arg : cmd.args) collect_arg(arg, vars);
}

void collect(const std::vector<Node>& list, std::set<std::string>& vars) {
  for (const Node& n : list) {
    if (n.pipe) collect_pipe(*n.pipe, vars);
    collect(n.list, vars);
    collect(n.else_list, vars);
  }
}

bool pipe_mentions(const Pipeline& pipe, std::string_view field) {
  for (const auto& cmd : pipe.commands)
    for (const auto& arg : cmd.args)
      if ((arg.kind == Arg::Kind::kField || arg.kind == Arg::Kind::kVariable) &&
          std::find(arg.fields.begin(), arg.fields.end(), field) != arg.fields.end())
        return true;
  return false;
}

// Ollama's deleteNode walk: once a field chain naming Response has been seen, every later node
// (in depth-first order) is dropped. Control pipelines are not searched, only bodies.
struct Cutter {
  bool cut = false;

  // Returns false when the node is to be dropped.
  bool keep_node(Node& n) {
    if (cut) return false;
    switch (n.kind) {
      case Node::Kind::kAction: {
        for (auto& cmd : n.pipe->commands) {
          std::vector<Arg> kept;
          for (auto& arg : cmd.args) {
            if (cut) continue;
            if ((arg.kind == Arg::Kind::kField) &&
                std::find(arg.fields.begin(), arg.fields.end(), "Response") != arg.fields.end())
              cut = true;  // the Response field itself stays
            kept.push_back(arg);
          }
          cmd.args = std::move(kept);
        }
        auto& cmds = n.pipe->commands;
        cmds.erase(std::remove_if(cmds.begin(), cmds.end(),
                                  [](const tmpl::Command& c) { return c.args.empty(); }),
                   cmds.end());
        return !cmds.empty();
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith:
      case Node::Kind::kRange:
        keep_list(n.list);
        keep_list(n.else_list);
        return true;
      default:
        return true;
    }
  }

  void keep_list(std::vector<Node>& list) {
    std::vector<Node> kept;
    for (auto& n : list)
      if (keep_node(n)) kept.push_back(std::move(n));
    list = std::move(kept);
  }
};

// Deep copies the pipelines the cutter edits (the parse tree shares them).
void clone_pipes(std::vector<Node>& list) {
  for (Node& n : list) {
    if (n.pipe) n.pipe = std::make_shared<Pipeline>(*n.pipe);
    clone_pipes(n.list);
    clone_pipes(n.else_list);
  }
}

// Ollama's parseTag: the first non-blank text inside the if/range/with that references
// .ToolCalls, cut before any "{" and trimmed; "{" when there is none.
const Node* find_tool_call_node(const std::vector<Node>& list) {
  for (const Node& n : list) {
    if (n.kind != Node::Kind::kIf && n.kind != Node::Kind::kRange && n.kind != Node::Kind::kWith)
      continue;
    if (n.kind == Node::Kind::kIf && pipe_mentions(*n.pipe, "ToolCalls")) return &n;
    if (const Node* found = find_tool_call_node(n.list)) return found;
    if (const Node* found = find_tool_call_node(n.else_list)) return found;
  }
  return nullptr;
}

const Node* find_text(const std::vector<Node>& list) {
  for (const Node& n : list) {
    switch (n.kind) {
      case Node::Kind::kText:
        if (str_trim(n.text).empty()) continue;
        return &n;
      case Node::Kind::kIf:
      case Node::Kind::kRange:
      case Node::Kind::kWith: {
        if (const Node* t = find_text(n.list)) return t;
        if (const Node* t = find_text(n.else_list)) return t;
        return nullptr;
      }
      case Node::Kind::kAction:
        return nullptr;
      default:
        continue;
    }
  }
  return nullptr;
}

std::string tool_prefix(const tmpl::Tree& tree) {
  const Node* call = find_tool_call_node(tree.root);
  if (!call) return "{";
  const Node* text = find_text(call->list);
  if (!text) return "{";
  std::string tag = text->text;
  for (size_t p; (p = tag.find("\r\n")) != std::string::npos;) tag.replace(p, 2, "\n");
  tag = tag.substr(0, tag.find('{'));
  tag = std::string(str_trim(tag));
  return tag.empty() ? "{" : tag;
}

// Errors of the lexer, parser, executor and functions (plain Errors) leave as TemplateError.
template <typename Fn>
void as_template_error(Fn&& fn) {
  try {
    fn();
  } catch (const TemplateError&) {
    throw;
  } catch (const Error& e) {
    throw TemplateError(e.what());
  }
}

}  // namespace

Template Template::parse(std::string_view text) {
  Template t;
  std::shared_ptr<tmpl::Tree> tree;
  as_template_error([&] { tree = tmpl::parse_tree(text); });
  t.text_ = std::string(text);
  collect(tree->root, t.vars_);
  for (const auto& [name, body] : tree->defines) collect(body, t.vars_);
  t.tool_call_prefix_ = tool_prefix(*tree);
  auto cut = std::make_shared<tmpl::Tree>(*tree);
  clone_pipes(cut->root);
  Cutter cutter;
  cutter.keep_list(cut->root);
  t.until_response_ = std::move(cut);
  t.tree_ = std::move(tree);
  return t;
}

std::string Template::render(const Value& data, const tmpl::RenderLimits& limits) const {
  std::string out;
  if (tree_) as_template_error([&] { tmpl::execute(*tree_, tree_->root, data, limits, out); });
  return out;
}

std::string Template::render(const nlohmann::ordered_json& data,
                             const tmpl::RenderLimits& limits) const {
  return render(Value::from_json(data), limits);
}

std::string Template::render_until_response(const Value& data,
                                            const tmpl::RenderLimits& limits) const {
  std::string out;
  if (until_response_) {
    as_template_error(
        [&] { tmpl::execute(*until_response_, until_response_->root, data, limits, out); });
  }
  return out;
}

}  // namespace slimllm
