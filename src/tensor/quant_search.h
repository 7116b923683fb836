// The scale searches behind the K-quant reference quantizers (ggml's make_qx_quants,
// make_q3_quants and make_qkx2_quants, reimplemented). Internal to the tensor library.
#pragma once

#include <cstdint>
#include <cstring>

namespace slimllm::quant {

// Rounds to the nearest integer, ties to even, for |v| < 2^22: adding 1.5 * 2^23 leaves the
// integer in the low mantissa bits. ggml rounds this way in the K-quants, and the same rounding
// is needed for byte-identical output.
inline int nearest_int(float v) {
  float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

// Symmetric quantization of x[0..n) to L[i] in 0..2*nmax-1 (value = scale * (L[i] - nmax)),
// weighting each value by x^2 and trying 18 scales around nmax/max. Returns the scale.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L);

// As make_qx_quants, but refines the levels one at a time (up to 5 passes) instead of trying
// scales. Used by Q3_K. Returns the scale; L[i] in 0..2*nmax-1.
float make_q3_quants(int n, int nmax, const float* x, int8_t* L);

// Asymmetric quantization to L[i] in 0..nmax with value = scale * L[i] - *min_out, searching
// nstep+1 scales (rmin + rdelta * step around nmax) and fitting scale and min by weighted least
// squares for each. `use_mad` weighs absolute instead of squared error. Returns the scale.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* min_out, uint8_t* scratch, float rmin, float rdelta, int nstep,
                       bool use_mad);

}  // namespace slimllm::quant
