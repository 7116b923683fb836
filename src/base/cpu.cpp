#include "base/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif

namespace slimllm {
namespace {

#if defined(__x86_64__) || defined(__i386__)
unsigned long long read_xcr0() {
  unsigned int eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

// Linux hands out the AMX tile data state (8 KB per thread in every context switch and signal
// frame) only to processes that ask for it; other systems are not supported.
bool request_amx_permission() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kArchReqXcompPerm = 0x1023;  // ARCH_REQ_XCOMP_PERM
  constexpr long kXfeatureXtiledata = 18;     // XFEATURE_XTILEDATA
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.sse3 = ecx & (1u << 0);
  f.ssse3 = ecx & (1u << 9);
  f.fma = ecx & (1u << 12);
  bool osxsave = ecx & (1u << 27);
  bool avx_bit = ecx & (1u << 28);
  f.f16c = ecx & (1u << 29);
  unsigned long long xcr0 = osxsave ? read_xcr0() : 0;
  bool os_avx = (xcr0 & 0x6) == 0x6;
  bool os_avx512 = (xcr0 & 0xe6) == 0xe6;
  f.avx = avx_bit && os_avx;
  if (!f.avx) {
    f.fma = f.f16c = false;
    return f;
  }
  unsigned int max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    f.avx2 = ebx & (1u << 5);
    if (os_avx512) {
      f.avx512f = ebx & (1u << 16);
      f.avx512dq = ebx & (1u << 17);
      f.avx512bw = ebx & (1u << 30);
      f.avx512vl = ebx & (1u << 31);
      f.avx512vnni = ecx & (1u << 11);
    }
    const bool amx_tile = edx & (1u << 24);
    const bool amx_int8 = edx & (1u << 25);
    const bool os_amx = (xcr0 & 0x60000) == 0x60000;  // XTILECFG and XTILEDATA
    f.amx_int8 = amx_tile && amx_int8 && os_amx && request_amx_permission();
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    f.avxvnni = eax & (1u << 4);
    if (os_avx512) f.avx512bf16 = eax & (1u << 5);
  }
#elif defined(__aarch64__)
  // NEON (ASIMD) is part of AArch64; the dot product (ARMv8.2 SDOT/UDOT) is optional, and the
  // kernel says whether this core has it, whatever the compiler was told.
  f.neon = true;
  constexpr unsigned long kHwcapAsimdDp = 1ul << 20;  // HWCAP_ASIMDDP
  f.arm_dotprod = (getauxval(AT_HWCAP) & kHwcapAsimdDp) != 0;
#endif
  return f;
}

}  // namespace

std::string CpuFeatures::describe() const {
  std::string out;
  auto add = [&out](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ' ';
    out += name;
  };
  add(sse3, "SSE3");
  add(ssse3, "SSSE3");
  add(avx, "AVX");
  add(avx2, "AVX2");
  add(fma, "FMA");
  add(f16c, "F16C");
  add(avx512f, "AVX512F");
  add(avx512bw, "AVX512BW");
  add(avx512vl, "AVX512VL");
  add(avx512vnni, "AVX512_VNNI");
  add(avx512bf16, "AVX512_BF16");
  add(avxvnni, "AVX_VNNI");
  add(amx_int8, "AMX_INT8");
  add(neon, "NEON");
  add(arm_dotprod, "DOTPROD");
  return out.empty() ? "none" : out;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace slimllm
