// GBNF for integers and decimal numbers between whole-number bounds, written digit by digit
// (no leading zeros; the grammar grows with the number of digits, not with the range's size).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace slimllm::grammar {

// A 128-bit integer holds every JSON integer bound nlohmann parses (int64 and uint64).
using Int = __int128;

// Integers at most this many digits long when no bound limits them (as in the `integer` rule).
constexpr size_t kMaxDigits = 16;

std::string int_text(Int value);

// Integers in [lo, hi], either bound optional (a missing one: kMaxDigits digits at most).
std::string integer_range(std::optional<Int> lo, std::optional<Int> hi);

// Decimal numbers without exponent in [lo, hi], either bound optional.
std::string number_range(std::optional<Int> lo, std::optional<Int> hi);

}  // namespace slimllm::grammar
