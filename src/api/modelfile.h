// Modelfile parsing (Ollama's parser package): FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER,
// LICENSE, MESSAGE; values plain, "quoted" or """multi-line""". The CLI turns the result into the
// JSON body of /api/create.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"

namespace slimllm::api {

struct ModelfileCommand {
  std::string name;  // lowercase instruction; for PARAMETER the parameter's name
  std::string args;  // for MESSAGE "role: content"... kept as role + content below
  std::string role;  // MESSAGE only
};

// Larger than any real Modelfile (its TEMPLATE and SYSTEM texts have their own 8 MiB limits).
inline constexpr size_t kMaxModelfileBytes = 16u << 20;

// Throws ApiError 400 with Ollama's messages (`(line 3): command must be one of ...`), and one
// naming kMaxModelfileBytes for a longer text.
std::vector<ModelfileCommand> parse_modelfile(std::string_view text);

// The create request a Modelfile describes. FROM naming an existing file (relative to
// `base_dir`, `~` expanded) is returned in `from_file` for the caller to upload; otherwise it is
// the `from` model name.
struct ModelfileCreate {
  CreateRequest request;
  std::string from_file;  // absolute path of a local GGUF, or ""
};
ModelfileCreate modelfile_to_create(const std::vector<ModelfileCommand>& commands,
                                    const std::string& base_dir);

}  // namespace slimllm::api
