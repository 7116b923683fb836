#include "server/model_support.h"

#include "base/strings.h"
#include "model/architectures.h"
#include "store/store_error.h"

namespace slimllm {

void check_model_supported(const GgufFile& gguf) {
  const std::string arch = gguf.get_string("general.architecture", "");
  if (arch.empty()) {
    fail_invalid(str_cat("the model file declares no architecture (general.architecture); ",
                         "slimllm supports ", supported_architecture_names()));
  }
  const Architecture* a = find_architecture(arch);
  if (a == nullptr) {
    fail_invalid(str_cat("unsupported model architecture \"", arch, "\" (slimllm supports ",
                         supported_architecture_names(), ")"));
  }
  if (!a->required_key.empty() && !gguf.has(a->required_key)) {
    fail_invalid(str_cat("the ", arch, " model file has no ", a->required_key,
                         ", which slimllm needs to run it; convert the model again with a "
                         "current llama.cpp (convert_hf_to_gguf.py) so the file carries it"));
  }
}

}  // namespace slimllm
