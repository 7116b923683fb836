// What the processor can do, detected once. Kernel dispatch reads this; nothing else should
// branch on instruction sets.
#pragma once

#include <string>

namespace slimllm {

struct CpuFeatures {
  bool sse3 = false, ssse3 = false, fma = false, f16c = false, avx = false, avx2 = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false, avxvnni = false;
  // AMX tiles with int8 products, usable by this process (the OS saves the tile state and, on
  // Linux, granted the permission asked for at detection).
  bool amx_int8 = false;
  bool neon = false, arm_dotprod = false;

  // "AVX2 FMA F16C AVX512F ..." for logs.
  std::string describe() const;
};

// The features of the CPU this process runs on (the OS must also enable the wider registers).
const CpuFeatures& cpu_features();

}  // namespace slimllm
