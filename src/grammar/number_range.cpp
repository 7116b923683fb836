#include "grammar/number_range.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "grammar/gbnf_text.h"

namespace slimllm::grammar {
namespace {

// One alternative as it is, several in parentheses.
std::string grouped(const std::vector<std::string>& alternatives);

// Decimal numbers of exactly a.size() digits from a to b (same length, a <= b, leading zeros
// allowed: the caller fixed the first digit). Linear in the length: at each digit only the two
// edges recurse.
std::string same_length_range(const std::string& a, const std::string& b) {
  if (a.empty()) return "";
  if (a == b) return gbnf_literal(a);
  if (a[0] == b[0]) {
    return join({gbnf_literal(a.substr(0, 1)), same_length_range(a.substr(1), b.substr(1))}, " ");
  }
  size_t rest = a.size() - 1;
  bool low_all_zero = a.find_first_not_of('0', 1) == std::string::npos;
  bool high_all_nine = b.find_first_not_of('9', 1) == std::string::npos;
  char first = a[0], last = b[0];
  std::vector<std::string> alternatives;
  if (!low_all_zero) {
    alternatives.push_back(
        join({gbnf_literal(a.substr(0, 1)), same_length_range(a.substr(1), std::string(rest, '9'))},
             " "));
    ++first;
  }
  if (!high_all_nine) --last;
  if (first <= last) {
    CodePointRanges digit = {{static_cast<char32_t>(first), static_cast<char32_t>(last)}};
    alternatives.push_back(join({gbnf_class(digit), repeated("[0-9]", rest, rest, "digits")}, " "));
  }
  if (!high_all_nine) {
    alternatives.push_back(
        join({gbnf_literal(b.substr(0, 1)), same_length_range(std::string(rest, '0'), b.substr(1))},
             " "));
  }
  return grouped(alternatives);
}

// Non-negative integers (no leading zeros) from lo to hi; no hi = up to kMaxDigits digits (or
// lo's length).
std::string magnitude_range(Int lo, std::optional<Int> hi) {
  std::vector<std::string> alternatives;
  if (lo == 0) {
    alternatives.push_back("\"0\"");
    lo = 1;
    if (hi && *hi == 0) return alternatives[0];
  }
  std::string low = int_text(lo);
  size_t low_length = low.size();
  size_t high_length = hi ? int_text(*hi).size() : std::max(kMaxDigits, low_length);
  for (size_t length = low_length; length <= high_length; ++length) {
    std::string from = low;
    if (length != low_length) {
      from.assign(length, '0');
      from[0] = '1';
    }
    bool last = length == high_length;
    std::string to = last && hi ? int_text(*hi) : std::string(length, '9');
    if (length > low_length && !(last && hi)) {
      // Every number of this length and the longer ones up to the last: one term.
      size_t max_length = hi ? high_length - 1 : high_length;
      alternatives.push_back("[1-9] " +
                             repeated("[0-9]", length - 1, max_length - 1, "integer digits"));
      length = max_length;
      continue;
    }
    alternatives.push_back(same_length_range(from, to));
  }
  return grouped(alternatives);
}

const char* kFraction = R"(("." [0-9]{1,16}))";
const char* kZeroFraction = R"(("." "0"{1,16}))";

std::string grouped(const std::vector<std::string>& alternatives) {
  if (alternatives.size() == 1) return alternatives[0];
  std::string out(1, '(');
  out += join(alternatives, " | ");
  out += ')';
  return out;
}

}  // namespace

std::string int_text(Int value) {
  if (value < 0) {
    std::string digits = int_text(-value);
    digits.insert(digits.begin(), '-');
    return digits;
  }
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value > 0);
  return digits;
}

// Integers in [lo, hi], either bound optional.
std::string integer_range(std::optional<Int> lo, std::optional<Int> hi) {
  std::vector<std::string> alternatives;
  if (!hi || *hi >= 0) alternatives.push_back(magnitude_range(lo && *lo > 0 ? *lo : 0, hi));
  if (!lo || *lo < 0) {
    Int smallest = hi && *hi < 0 ? -*hi : 1;
    std::optional<Int> largest;
    if (lo) largest = -*lo;
    alternatives.push_back("\"-\" " + magnitude_range(smallest, largest));
  }
  return grouped(alternatives);
}

// Decimal numbers (no exponent) in [lo, hi], both bounds integers: an integer part inside the
// range with any fraction, or the far end of the range with a zero fraction.
std::string number_range(std::optional<Int> lo, std::optional<Int> hi) {
  std::vector<std::string> alternatives;
  auto side = [&](Int near, std::optional<Int> far) {
    // Magnitudes from near (any fraction) to far (only a zero fraction at far itself).
    if (!far) return magnitude_range(near, std::nullopt) + " " + kFraction + "?";
    std::vector<std::string> parts;
    if (*far > near) {
      parts.push_back(magnitude_range(near, *far - 1) + " " + kFraction + "?");
    }
    parts.push_back(gbnf_literal(int_text(*far)) + " " + kZeroFraction + "?");
    return grouped(parts);
  };
  if (!hi || *hi >= 0) alternatives.push_back(side(lo && *lo > 0 ? *lo : 0, hi));
  if (!lo || *lo < 0) {
    std::optional<Int> far;
    if (lo) far = -*lo;
    alternatives.push_back("\"-\" " + side(hi && *hi < 0 ? -*hi : 0, far));
  }
  return grouped(alternatives);
}

}  // namespace slimllm::grammar
