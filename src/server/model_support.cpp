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
  if (find_architecture(arch) == nullptr) {
    fail_invalid(str_cat("unsupported model architecture \"", arch, "\" (slimllm supports ",
                         supported_architecture_names(), ")"));
  }
}

}  // namespace slimllm
