// Feeds arbitrary text to the template parser, and renders what parses against a small chat-like
// value: both must fail with an Error or succeed, never crash, hang or overflow the stack.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "template/template.h"
#include "template/tool_calls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    slimllm::Template t = slimllm::Template::parse(text);
    static const nlohmann::ordered_json kData = nlohmann::ordered_json::parse(R"({
      "System": "sys", "Messages": [{"Role": "user", "Content": "hi <&>"},
                                    {"Role": "assistant", "Content": "", "N": 2.5}],
      "Tools": [{"Function": {"Name": "f"}}], "Response": "", "i": 3, "m": {"b": 1, "a": null}})");
    slimllm::tmpl::RenderLimits limits;
    limits.max_steps = 100000;
    limits.max_output = 1 << 20;
    (void)t.render(kData, limits);
    (void)t.tool_call_prefix();
  } catch (const slimllm::Error&) {
  }
  // The tool-call parser sees model output, which is just as arbitrary.
  (void)slimllm::parse_tool_calls(text, "<tool_call>", {});
  (void)slimllm::parse_tool_calls(text, "{", {"f"});
  return 0;
}
