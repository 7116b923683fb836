// `slimllm list|ps|show|rm|cp|stop`: clients of the server's HTTP API (OLLAMA_HOST), printing
// what Ollama's CLI prints.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/client.h"
#include "api/types.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/model_text.h"

namespace slimllm {
namespace {

// Ollama's format.HumanDuration.
std::string human_duration(double seconds_f) {
  int64_t seconds = static_cast<int64_t>(seconds_f);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return str_cat(seconds, " seconds");
  int64_t minutes = static_cast<int64_t>(seconds_f / 60);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return str_cat(minutes, " minutes");
  int64_t hours = static_cast<int64_t>(std::round(seconds_f / 3600));
  if (hours == 1) return "About an hour";
  if (hours < 48) return str_cat(hours, " hours");
  if (hours < 24 * 7 * 2) return str_cat(hours / 24, " days");
  if (hours < 24 * 30 * 2) return str_cat(hours / 24 / 7, " weeks");
  if (hours < 24 * 365 * 2) return str_cat(hours / 24 / 30, " months");
  return str_cat(static_cast<int64_t>(seconds_f / 3600) / 24 / 365, " years");
}

// Parses RFC 3339 ("2025-05-04T17:37:44.706015396-07:00") to Unix seconds; NaN when malformed.
double parse_rfc3339(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return NAN;
  double frac = 0;
  if (*rest == '.') {
    char* end = nullptr;
    frac = std::strtod(rest, &end);
    rest = end;
  }
  long offset = 0;
  if (*rest == '+' || *rest == '-') {
    int h = 0, m = 0;
    std::sscanf(rest + 1, "%d:%d", &h, &m);
    offset = (h * 3600 + m * 60) * (*rest == '-' ? -1 : 1);
  }
  return static_cast<double>(timegm(&tm) - offset) + frac;
}

// Ollama's format.HumanTime.
std::string human_time(const std::string& timestamp, const char* zero) {
  double t = parse_rfc3339(timestamp);
  if (std::isnan(t)) return zero;
  double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  double delta = now - t;
  if (delta / 3600 / 24 / 365 < -20) return "Forever";
  if (delta < 0) return human_duration(-delta) + " from now";
  return human_duration(delta) + " ago";
}

// tablewriter as Ollama configures it: left-aligned, no borders, four spaces after every cell.
std::string table(const std::vector<std::vector<std::string>>& rows,
                  const std::string& indent = "") {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    out += indent;
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i] + std::string(widths[i] - row[i].size(), ' ') + "    ";
    }
    out += "\n";
  }
  return out;
}

bool matches_prefix(const std::string& name, const std::string& prefix) {
  return prefix.empty() || str_starts_with(str_lower(name), str_lower(prefix));
}

void run_list(const std::string& prefix) {
  api::Client client = api::Client::from_env();
  nlohmann::json body = client.get("/api/tags");
  std::vector<std::vector<std::string>> rows{{"NAME", "ID", "SIZE", "MODIFIED"}};
  for (const auto& m : body.value("models", nlohmann::json::array())) {
    api::ListModel model = api::ListModel::from_json(m);
    if (!matches_prefix(model.name, prefix)) continue;
    rows.push_back({model.name, model.digest.substr(0, 12), human_bytes(model.size),
                    human_time(model.modified_at, "Never")});
  }
  std::fputs(table(rows).c_str(), stdout);
}

void run_ps(const std::string& prefix) {
  api::Client client = api::Client::from_env();
  nlohmann::json body = client.get("/api/ps");
  std::vector<std::vector<std::string>> rows{
      {"NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"}};
  for (const auto& m : body.value("models", nlohmann::json::array())) {
    api::RunningModel model = api::RunningModel::from_json(m);
    if (!matches_prefix(model.name, prefix)) continue;
    std::string processor = "100% CPU";
    if (model.size_vram == model.size && model.size > 0) {
      processor = "100% GPU";
    } else if (model.size_vram > 0) {
      int gpu = static_cast<int>(100.0 * model.size_vram / model.size);
      processor = str_cat(100 - gpu, "%/", gpu, "% CPU/GPU");
    }
    rows.push_back({model.name, model.digest.substr(0, 12), human_bytes(model.size), processor,
                    std::to_string(model.context_length), human_time(model.expires_at, "Never")});
  }
  std::fputs(table(rows).c_str(), stdout);
}

std::string json_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

std::string format_show_info(const nlohmann::json& r, bool verbose) {
  auto text = [&](const char* key) { return r.value(key, std::string()); };
  nlohmann::json info = r.value("model_info", nlohmann::json::object());
  nlohmann::json details = r.value("details", nlohmann::json::object());
  std::string arch = info.value("general.architecture", std::string());
  std::string out;
  std::vector<std::vector<std::string>> model_rows;
  if (!arch.empty()) model_rows.push_back({"architecture", arch});
  if (details.value("parameter_size", "") != "")
    model_rows.push_back({"parameters", details["parameter_size"]});
  if (info.contains(arch + ".context_length")) {
    model_rows.push_back({"context length", json_text(info[arch + ".context_length"])});
  }
  if (info.contains(arch + ".embedding_length")) {
    model_rows.push_back({"embedding length", json_text(info[arch + ".embedding_length"])});
  }
  if (details.value("quantization_level", "") != "") {
    model_rows.push_back({"quantization", details["quantization_level"]});
  }
  out += "  Model\n" + table(model_rows, "    ") + "\n";
  if (r.contains("capabilities") && r["capabilities"].is_array() && !r["capabilities"].empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r["capabilities"]) rows.push_back({c.get<std::string>()});
    out += "  Capabilities\n" + table(rows, "    ") + "\n";
  }
  if (!text("parameters").empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const std::string& line : str_split(text("parameters"), '\n')) {
      std::string_view l = str_trim(line);
      size_t space = l.find(' ');
      if (space == std::string_view::npos) continue;
      rows.push_back({std::string(l.substr(0, space)), std::string(str_trim(l.substr(space)))});
    }
    out += "  Parameters\n" + table(rows, "    ") + "\n";
  }
  if (!text("system").empty()) {
    std::vector<std::string> lines = str_split(text("system"), '\n');
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < lines.size() && i < 2; ++i) rows.push_back({lines[i]});
    if (lines.size() > 2) rows.push_back({"..."});
    out += "  System\n" + table(rows, "    ") + "\n";
  }
  if (!text("license").empty()) {
    std::vector<std::string> lines = str_split(text("license"), '\n');
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < lines.size() && i < 2; ++i) rows.push_back({lines[i]});
    if (lines.size() > 2) rows.push_back({"..."});
    out += "  License\n" + table(rows, "    ") + "\n";
  }
  if (verbose) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [key, value] : info.items()) rows.push_back({key, json_text(value)});
    out += "  Metadata\n" + table(rows, "    ") + "\n";
  }
  return out;
}

namespace {

struct ShowFlags {
  bool modelfile = false, template_text = false, parameters = false, system = false,
       license = false, verbose = false;
};

void run_show(const std::string& name, const ShowFlags& flags) {
  api::Client client = api::Client::from_env();
  nlohmann::json r = client.post("/api/show", {{"model", name}, {"verbose", flags.verbose}});
  auto text = [&](const char* key) { return r.value(key, std::string()); };
  if (flags.modelfile) return (void)std::printf("%s\n", text("modelfile").c_str());
  if (flags.template_text) return (void)std::printf("%s\n", text("template").c_str());
  if (flags.parameters) return (void)std::printf("%s\n", text("parameters").c_str());
  if (flags.system) return (void)std::printf("%s\n", text("system").c_str());
  if (flags.license) return (void)std::printf("%s\n", text("license").c_str());

  std::fputs(format_show_info(r, flags.verbose).c_str(), stdout);
}

// Unloads a model (generate with keep_alive 0); errors are the caller's to judge.
void unload(api::Client& client, const std::string& name) {
  client.post("/api/generate", {{"model", name}, {"keep_alive", 0}, {"stream", false}});
}

}  // namespace

void add_model_commands(CLI::App& app) {
  static std::string list_prefix;
  auto* list = app.add_subcommand("list", "List models");
  list->alias("ls");
  list->add_option("prefix", list_prefix, "Only models whose name starts with this");
  list->callback([] { run_list(list_prefix); });

  static std::string ps_prefix;
  auto* ps = app.add_subcommand("ps", "List running models");
  ps->add_option("prefix", ps_prefix, "Only models whose name starts with this");
  ps->callback([] { run_ps(ps_prefix); });

  static std::string show_name;
  static ShowFlags show_flags;
  auto* show = app.add_subcommand("show", "Show information for a model");
  show->add_option("model", show_name, "Model name")->required();
  show->add_flag("--modelfile", show_flags.modelfile, "Show Modelfile of a model");
  show->add_flag("--template", show_flags.template_text, "Show template of a model");
  show->add_flag("--parameters", show_flags.parameters, "Show parameters of a model");
  show->add_flag("--system", show_flags.system, "Show system message of a model");
  show->add_flag("--license", show_flags.license, "Show license of a model");
  show->add_flag("-v,--verbose", show_flags.verbose, "Show detailed model information");
  show->callback([] { run_show(show_name, show_flags); });

  static std::vector<std::string> rm_names;
  auto* rm = app.add_subcommand("rm", "Remove a model");
  rm->add_option("models", rm_names, "Model names")->required();
  rm->callback([] {
    api::Client client = api::Client::from_env();
    for (const std::string& name : rm_names) {
      try {
        unload(client, name);
      } catch (const Error&) {
        // Not loaded or not there: the delete below says which.
      }
      client.del("/api/delete", {{"model", name}});
      std::printf("deleted '%s'\n", name.c_str());
    }
  });

  static std::string cp_source, cp_destination;
  auto* cp = app.add_subcommand("cp", "Copy a model");
  cp->add_option("source", cp_source, "Source model")->required();
  cp->add_option("destination", cp_destination, "Destination model")->required();
  cp->callback([] {
    api::Client client = api::Client::from_env();
    client.post("/api/copy", {{"source", cp_source}, {"destination", cp_destination}});
    std::printf("copied '%s' to '%s'\n", cp_source.c_str(), cp_destination.c_str());
  });

  static std::string stop_name;
  auto* stop = app.add_subcommand("stop", "Stop a running model");
  stop->add_option("model", stop_name, "Model name")->required();
  stop->callback([] {
    api::Client client = api::Client::from_env();
    try {
      unload(client, stop_name);
    } catch (const ApiError& e) {
      if (std::string(e.what()).find("not found") != std::string::npos) {
        fail("couldn't find model \"", stop_name, "\" to stop");
      }
      throw;
    }
  });
}

}  // namespace slimllm
