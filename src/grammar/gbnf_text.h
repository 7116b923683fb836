// Small pieces of GBNF text shared by the JSON-schema and regex converters: quoted literals,
// character classes over code-point ranges, bounded repetitions, and the JSON spelling of a set
// of characters inside a string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slimllm::grammar {

// Inclusive code-point ranges; normalized = sorted, disjoint and not touching.
using CodePointRanges = std::vector<std::pair<char32_t, char32_t>>;

constexpr char32_t kMaxCodePoint = 0x10FFFF;

CodePointRanges normalized(CodePointRanges ranges);
CodePointRanges complement(const CodePointRanges& ranges);
CodePointRanges subtract(const CodePointRanges& ranges, const CodePointRanges& removed);
bool contains(const CodePointRanges& ranges, char32_t c);

// A GBNF literal matching exactly `bytes`: "..." with \" \\ and \xHH for control bytes; other
// bytes (UTF-8 included) pass through, since the compiler reads code points from the text.
std::string gbnf_literal(std::string_view bytes);
// The non-empty parts joined by `separator` (GBNF sequences and alternatives).
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// A GBNF class `[...]` of normalized, non-empty ranges.
std::string gbnf_class(const CodePointRanges& ranges);

// An expression for one character of `chars` as it may appear between the quotes of a JSON
// string: the character itself where JSON allows it raw, else its escapes ("\n", "\u001f",
// "\u001F", ...); '/' also as "\/". Empty when `chars` is empty. Characters JSON lets a string
// hold raw but the `char` rule spells only escaped (DEL) come escaped here too.
std::string json_string_chars(const CodePointRanges& chars);

// The largest count a repetition may name: {m,n} is written out by the compiler, so a hostile
// schema asking for 10^9 characters must be refused, not compiled.
constexpr uint64_t kMaxRepetition = 4096;

// `atom` repeated lo..hi times (hi empty = unbounded), as short as GBNF allows; `atom` must be a
// single GBNF term (a name, literal, class or parenthesized group). Empty when hi == 0. Throws
// Error when a count passes kMaxRepetition; `what` names it in the message.
std::string repeated(const std::string& atom, uint64_t lo, std::optional<uint64_t> hi,
                     std::string_view what);

}  // namespace slimllm::grammar
