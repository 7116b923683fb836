#include "template/exec.h"

#include "base/error.h"
#include "template/functions.h"

namespace slimllm::tmpl {

namespace {

enum class Flow { kNormal, kBreak, kContinue };

class Executor {
 public:
  Executor(const Tree& tree, const RenderLimits& limits, std::string& out)
      : tree_(tree), limits_(limits), out_(out) {}

  void run(const std::vector<Node>& root, const Value& data) {
    vars_.emplace_back("$", data);
    walk_list(data, root);
  }

 private:
  [[noreturn]] void error_at(Pos pos, const std::string& message) {
    fail("template: line ", pos.line, ", column ", pos.column, ": ", message);
  }

  void step(Pos pos) {
    if (++steps_ > limits_.max_steps)
      error_at(pos, str_cat("execution exceeded ", limits_.max_steps, " steps"));
  }

  Flow walk_list(const Value& dot, const std::vector<Node>& list) {
    for (const Node& node : list) {
      Flow flow = walk(dot, node);
      if (flow != Flow::kNormal) return flow;
    }
    return Flow::kNormal;
  }

  Flow walk(const Value& dot, const Node& node) {
    step(node.pos);
    if (node.kind == Node::Kind::kText || node.kind == Node::Kind::kAction)
      return walk_leaf(dot, node);
    if (++nesting_ > limits_.max_nesting)
      error_at(node.pos, str_cat("template nesting exceeds ", limits_.max_nesting, " levels"));
    Flow flow = walk_block(dot, node);
    --nesting_;
    return flow;
  }

  Flow walk_leaf(const Value& dot, const Node& node) {
    switch (node.kind) {
      case Node::Kind::kText:
        emit(node.pos, node.text);
        return Flow::kNormal;
      case Node::Kind::kAction: {
        Value v = eval_pipeline(dot, *node.pipe);
        if (node.pipe->decls.empty()) {
          if (v.is_nil()) {
            emit(node.pos, "<no value>");
          } else {
            std::string text;
            v.append_to(text);
            emit(node.pos, text);
          }
        }
        return Flow::kNormal;
      }
      default:
        return Flow::kNormal;
    }
  }

  Flow walk_block(const Value& dot, const Node& node) {
    switch (node.kind) {
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        size_t mark = vars_.size();
        Value v = eval_pipeline(dot, *node.pipe);
        Flow flow = Flow::kNormal;
        if (v.truth()) {
          flow = walk_list(node.kind == Node::Kind::kWith ? v : dot, node.list);
        } else if (node.has_else) {
          flow = walk_list(dot, node.else_list);
        }
        vars_.resize(mark);
        return flow;
      }
      case Node::Kind::kRange:
        return walk_range(dot, node);
      case Node::Kind::kTemplate:
        return walk_template(dot, node);
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
      default:
        return walk_leaf(dot, node);
    }
  }

  void emit(Pos pos, std::string_view text) {
    if (out_.size() + text.size() > limits_.max_output)
      error_at(pos, str_cat("output exceeds ", limits_.max_output, " bytes"));
    out_.append(text);
  }

  // One iteration: bind the declared variables, run the body, drop what it declared.
  Flow iteration(const Node& node, const Value& key, const Value& elem) {
    step(node.pos);
    size_t mark = vars_.size();
    const auto& decls = node.pipe->decls;
    if (decls.size() == 1) {
      bind(node, decls[0], elem);
    } else if (decls.size() == 2) {
      bind(node, decls[0], key);
      bind(node, decls[1], elem);
    }
    Flow flow = walk_list(elem, node.list);
    vars_.resize(mark);
    return flow;
  }

  void bind(const Node& node, const std::string& name, const Value& v) {
    if (node.pipe->is_assign) {
      set_var(node.pos, name, v);
    } else {
      vars_.emplace_back(name, v);
    }
  }

  Flow walk_range(const Value& dot, const Node& node) {
    size_t mark = vars_.size();
    Value v = eval_pipeline(dot, *node.pipe, /*declare=*/false);
    size_t count = 0;
    auto run = [&](const Value& key, const Value& elem) {
      ++count;
      return iteration(node, key, elem) == Flow::kBreak;
    };
    switch (v.kind()) {
      case Value::Kind::kList:
        for (size_t i = 0; i < v.list_size(); ++i)
          if (run(Value::integer(static_cast<int64_t>(i)), v.at(i))) break;
        break;
      case Value::Kind::kMap:
        for (const auto& [key, item] : v.entries())
          if (run(Value::string(key), item)) break;
        break;
      case Value::Kind::kInt:
      case Value::Kind::kUint: {
        if (node.pipe->decls.size() > 1)
          error_at(node.pos,
                   str_cat("can't use ", v.to_string(), " to iterate over more than one variable"));
        int64_t n = v.kind() == Value::Kind::kInt
                        ? v.as_int()
                        : static_cast<int64_t>(std::min<uint64_t>(v.as_uint(), INT64_MAX));
        for (int64_t i = 0; i < n; ++i)
          if (run(Value::integer(i), Value::integer(i))) break;
        break;
      }
      case Value::Kind::kNil:
        break;
      default:
        error_at(node.pos, str_cat("range can't iterate over ", v.to_string()));
    }
    Flow flow = Flow::kNormal;
    if (count == 0 && node.has_else) flow = walk_list(dot, node.else_list);
    vars_.resize(mark);
    return flow == Flow::kNormal ? Flow::kNormal : flow;
  }

  Flow walk_template(const Value& dot, const Node& node) {
    auto it = tree_.defines.find(node.text);
    if (it == tree_.defines.end())
      error_at(node.pos, str_cat("no such template \"", node.text, "\""));
    if (depth_ >= limits_.max_depth)
      error_at(node.pos, str_cat("exceeded maximum template depth (", limits_.max_depth, ")"));
    Value new_dot = node.pipe ? eval_pipeline(dot, *node.pipe) : Value();
    std::vector<std::pair<std::string, Value>> saved;
    saved.swap(vars_);
    vars_.emplace_back("$", new_dot);
    ++depth_;
    walk_list(new_dot, it->second);
    --depth_;
    vars_.swap(saved);
    return Flow::kNormal;
  }

  const Value& lookup(Pos pos, const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].first == name) return vars_[i].second;
    error_at(pos, str_cat("undefined variable: ", name));
  }

  void set_var(Pos pos, const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    }
    error_at(pos, str_cat("undefined variable: ", name));
  }

  Value eval_pipeline(const Value& dot, const Pipeline& pipe, bool declare = true) {
    Value v;
    bool has_final = false;
    for (const Command& cmd : pipe.commands) {
      v = eval_command(dot, cmd, has_final ? &v : nullptr);
      has_final = true;
    }
    if (declare) {
      for (const auto& name : pipe.decls) {
        if (pipe.is_assign) {
          set_var(pipe.pos, name, v);
        } else {
          vars_.emplace_back(name, v);
        }
      }
    }
    return v;
  }

  void not_a_function(const Command& cmd, const Value* final) {
    if (cmd.args.size() > 1 || final)
      error_at(cmd.pos, str_cat("can't give argument to non-function ", cmd.args[0].source));
  }

  Value eval_command(const Value& dot, const Command& cmd, const Value* final) {
    const Arg& first = cmd.args[0];
    bool has_args = cmd.args.size() > 1 || final;
    switch (first.kind) {
      case Arg::Kind::kFunction:
        return call(dot, first, cmd, final);
      case Arg::Kind::kField:
        if (has_args)
          error_at(first.pos, str_cat(first.fields.back(), " is not a method but has arguments"));
        return fields(first, dot, 0);
      case Arg::Kind::kVariable:
      case Arg::Kind::kChain:
      case Arg::Kind::kPipe:
      case Arg::Kind::kDot:
      case Arg::Kind::kConstant:
        not_a_function(cmd, final);
        return eval_arg(dot, first);
      case Arg::Kind::kNil:
        error_at(first.pos, "nil is not a command");
    }
    return Value();
  }

  // Follows arg.fields from receiver.
  Value fields(const Arg& arg, const Value& receiver, size_t from) {
    Value v = receiver;
    for (size_t i = from; i < arg.fields.size(); ++i) {
      const std::string& name = arg.fields[i];
      if (v.is_nil()) return Value();  // missingkey=zero: a missing map entry reads as nothing
      if (v.kind() != Value::Kind::kMap)
        error_at(arg.pos, str_cat("can't evaluate field ", name, " in type ", v.type_name()));
      const Value* found = v.find(name);
      v = found ? *found : Value();
    }
    return v;
  }

  Value eval_arg(const Value& dot, const Arg& arg) {
    switch (arg.kind) {
      case Arg::Kind::kField:
        return fields(arg, dot, 0);
      case Arg::Kind::kVariable:
        return fields(arg, lookup(arg.pos, arg.name), 0);
      case Arg::Kind::kDot:
        return dot;
      case Arg::Kind::kNil:
        return Value();
      case Arg::Kind::kConstant:
        return arg.constant;
      case Arg::Kind::kPipe:
        return eval_pipeline(dot, *arg.pipe);
      case Arg::Kind::kChain:
        return fields(arg, eval_pipeline(dot, *arg.pipe), 0);
      case Arg::Kind::kFunction: {
        Command bare;
        bare.pos = arg.pos;
        bare.args.push_back(arg);
        return call(dot, arg, bare, nullptr);
      }
    }
    return Value();
  }

  Value call(const Value& dot, const Arg& fn, const Command& cmd, const Value* final) {
    size_t count = cmd.args.size() - 1 + (final ? 1 : 0);
    try {
      check_arity(fn.name, count);
    } catch (const Error& e) {
      error_at(fn.pos, e.what());
    }
    if (fn.name == "and" || fn.name == "or") {
      // Lazy: stop at the first argument that decides the result.
      bool is_and = fn.name == "and";
      Value v;
      for (size_t i = 1; i <= count; ++i) {
        v = i < cmd.args.size() ? eval_arg(dot, cmd.args[i]) : *final;
        if (v.truth() != is_and) return v;
      }
      return v;
    }
    std::vector<Value> args;
    args.reserve(count);
    for (size_t i = 1; i < cmd.args.size(); ++i) args.push_back(eval_arg(dot, cmd.args[i]));
    if (final) args.push_back(*final);
    try {
      return call_function(fn.name, args);
    } catch (const Error& e) {
      error_at(fn.pos, e.what());
    }
  }

  const Tree& tree_;
  const RenderLimits& limits_;
  std::string& out_;
  std::vector<std::pair<std::string, Value>> vars_;
  int depth_ = 0;
  int nesting_ = 0;
  uint64_t steps_ = 0;
};

}  // namespace

void execute(const Tree& tree, const std::vector<Node>& root, const Value& data,
             const RenderLimits& limits, std::string& out) {
  Executor(tree, limits, out).run(root, data);
}

}  // namespace slimllm::tmpl
