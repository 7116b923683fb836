#include "store/go_json.h"

namespace slimllm {

std::string go_escape_html(std::string text) {
  // Outside strings JSON never contains these bytes, so a plain scan is safe.
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (static_cast<unsigned char>(c) == 0xE2 && i + 2 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string go_json(const nlohmann::json& value) {
  return go_escape_html(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string go_json(const OrderedJson& value) {
  return go_escape_html(value.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
}

}  // namespace slimllm
