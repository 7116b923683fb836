#include "store/model_name.h"

#include "base/strings.h"

namespace slimllm {
namespace {

enum class Part { kHost, kNamespace, kModel, kTag };

bool valid_part(std::string_view s, Part kind) {
  size_t max_len = kind == Part::kHost ? 350 : 80;
  if (s.empty() || s.size() > max_len) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '_') continue;
    if (i == 0) return false;
    if (c == '-') continue;
    if (c == '.' && kind != Part::kNamespace) continue;
    if (c == ':' && kind == Part::kHost) continue;
    return false;
  }
  return true;
}

}  // namespace

std::optional<ModelName> ModelName::parse(std::string_view text) {
  ModelName name;
  std::string_view s = text;
  // The tag separator is the last ':' after the last '/'; a ':' before it belongs to a host port.
  size_t colon = s.rfind(':');
  size_t slash = s.rfind('/');
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (has_tag) {
    name.tag = std::string(s.substr(colon + 1));
    if (name.tag.empty()) return std::nullopt;
    s = s.substr(0, colon);
  }
  slash = s.rfind('/');
  if (slash == std::string_view::npos) {
    name.model = std::string(s);
  } else {
    name.model = std::string(s.substr(slash + 1));
    s = s.substr(0, slash);
    if (name.model.empty()) return std::nullopt;
    slash = s.rfind('/');
    if (slash == std::string_view::npos) {
      name.ns = std::string(s);
      if (name.ns.empty()) return std::nullopt;
    } else {
      name.ns = std::string(s.substr(slash + 1));
      std::string_view host = s.substr(0, slash);
      if (name.ns.empty() || host.empty()) return std::nullopt;
      size_t scheme = host.find("://");
      if (scheme != std::string_view::npos) host = host.substr(scheme + 3);
      name.host = std::string(host);
    }
  }
  if (name.host.empty()) name.host = kDefaultHost;
  if (name.ns.empty()) name.ns = kDefaultNamespace;
  if (name.tag.empty()) name.tag = kDefaultTag;
  if (!valid_part(name.host, Part::kHost) || !valid_part(name.ns, Part::kNamespace) ||
      !valid_part(name.model, Part::kModel) || !valid_part(name.tag, Part::kTag)) {
    return std::nullopt;
  }
  return name;
}

std::string ModelName::display() const {
  if (host == kDefaultHost) {
    if (ns == kDefaultNamespace) return model + ":" + tag;
    return ns + "/" + model + ":" + tag;
  }
  return full();
}

std::string ModelName::full() const {
  return host + "/" + ns + "/" + model + ":" + tag;
}

std::string ModelName::relative_path() const {
  return host + "/" + ns + "/" + model + "/" + tag;
}

bool ModelName::equals_ignore_case(const ModelName& other) const {
  return str_lower(host) == str_lower(other.host) && str_lower(ns) == str_lower(other.ns) &&
         str_lower(model) == str_lower(other.model) && str_lower(tag) == str_lower(other.tag);
}

}  // namespace slimllm
