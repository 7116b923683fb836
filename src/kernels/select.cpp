// Which kernel table runs: the best one the CPU supports, or the one SLIMLLM_CPU names.
#include <cstdlib>
#include <string_view>

#include "base/cpu.h"
#include "base/log.h"
#include "kernels/arm/arm_kernels.h"
#include "kernels/dispatch.h"
#include "kernels/x86/x86_kernels.h"

namespace slimllm {
namespace {

constexpr KernelVariant kVariants[] = {
    {"amx", amx_kernels_supported, amx_kernels},
    {"avx512", avx512_kernels_supported, avx512_kernels},
    {"avxvnni", avxvnni_kernels_supported, avxvnni_kernels},
    {"avx2", avx2_kernels_supported, avx2_kernels},
    {"dotprod", dotprod_kernels_supported, dotprod_kernels},
    {"neon", neon_kernels_supported, neon_kernels},
};

}  // namespace

std::span<const KernelVariant> kernel_variants() {
  return kVariants;
}

const KernelTable& select_kernels() {
  const KernelTable* best = &reference_kernels();
  for (const KernelVariant& c : kVariants) {
    if (c.supported()) {
      best = &c.table();
      break;
    }
  }
  const char* env = std::getenv("SLIMLLM_CPU");
  const std::string_view wanted = env != nullptr ? env : "";
  const KernelTable* chosen = best;
  if (wanted == "generic") {
    chosen = &reference_kernels();
  } else if (!wanted.empty() && wanted != "auto") {
    const KernelVariant* named = nullptr;
    for (const KernelVariant& c : kVariants) {
      if (wanted == c.name) named = &c;
    }
    if (named != nullptr && named->supported()) {
      chosen = &named->table();
    } else {
      log_warn(
          "SLIMLLM_CPU names a kernel variant this CPU cannot run or an unknown one; using "
          "the best supported",
          {{"requested", wanted}, {"variant", best->name}});
    }
  }
  log_info("kernels selected", {{"variant", chosen->name}, {"cpu", cpu_features().describe()}});
  return *chosen;
}

}  // namespace slimllm
