#include "tokenizer/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/error.h"

namespace slimllm {
namespace {

// Patterns as the tokenizers' authors published them (tokenizer.json), with the case-insensitive
// contractions spelled out as classes. Several names map to one pattern set, as in llama.cpp.
// \s is spelled out as Unicode White_Space (what the reference regex engines use); PCRE2's own
// \s leaves out U+0085.
#define WS   \
  "\\t-\\r " \
  "\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
#define CONTRACTIONS "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
constexpr const char* kLlama3[] = {CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^" WS
                                                "\\p{L}\\p{N}]+[\\r\\n]*|[" WS "]*[\\r\\n]+|[" WS
                                                "]+(?![^" WS "])|[" WS "]+"};
constexpr const char* kQwen2[] = {CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^" WS
                                               "\\p{L}\\p{N}]+[\\r\\n]*|[" WS "]*[\\r\\n]+|[" WS
                                               "]+(?![^" WS "])|[" WS "]+"};
#define GPT2 \
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+|[" WS "]+(?![^" WS "])"
constexpr const char* kGpt2[] = {GPT2};
// llama.cpp's "default" pre-tokenizer: the GPT-2 pattern between three refinements.
constexpr const char* kDefault[] = {
    "[\\p{P}\\$\\+<=>\\^~\\|]+",
    GPT2,
    "\\p{N}+",
    "[0-9][0-9][0-9]",
};
#undef GPT2
#undef CONTRACTIONS
#undef WS

struct NamedPatterns {
  const char* name;
  const char* const* patterns;
  size_t count;
};

template <size_t N>
constexpr NamedPatterns named(const char* name, const char* const (&patterns)[N]) {
  return {name, patterns, N};
}

constexpr NamedPatterns kKnown[] = {
    named("default", kDefault),  named("gpt-2", kGpt2),
    named("llama-bpe", kLlama3), named("llama3", kLlama3),
    named("llama-v3", kLlama3),  named("falcon3", kLlama3),
    named("qwen2", kQwen2),      named("deepseek-r1-qwen", kQwen2),
};

}  // namespace

struct Pretokenizer::Pattern {
  pcre2_code* code = nullptr;
  ~Pattern() { pcre2_code_free(code); }
};

Pretokenizer::Pretokenizer(std::string_view pre) {
  const NamedPatterns* found = nullptr;
  for (const NamedPatterns& entry : kKnown) {
    if (pre == entry.name) found = &entry;
  }
  if (found == nullptr)
    fail("unknown pre-tokenizer '", pre, "' (tokenizer.ggml.pre); slimllm knows ", known_names());
  for (size_t i = 0; i < found->count; ++i) {
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    auto pattern = std::make_unique<Pattern>();
    // MATCH_INVALID_UTF: tokenizers must take any bytes; invalid sequences simply never match.
    pattern->code = pcre2_compile(
        reinterpret_cast<PCRE2_SPTR>(found->patterns[i]), PCRE2_ZERO_TERMINATED,
        PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error_code, &error_offset, nullptr);
    if (pattern->code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error_code, message, sizeof(message));
      fail("pre-tokenizer '", pre, "': pattern ", i, " does not compile at offset ", error_offset,
           ": ", reinterpret_cast<const char*>(message));
    }
    // Without JIT (some platforms) the interpreter gives the same matches, only slower.
    pcre2_jit_compile(pattern->code, PCRE2_JIT_COMPLETE);
    patterns_.push_back(std::move(pattern));
  }
}

Pretokenizer::~Pretokenizer() = default;

std::string Pretokenizer::known_names() {
  std::string names;
  for (const NamedPatterns& entry : kKnown) {
    if (!names.empty()) names += ", ";
    names += "'";
    names += entry.name;
    names += "'";
  }
  return names;
}

namespace {

// One match state per split() call keeps concurrent callers apart.
class Matcher {
 public:
  explicit Matcher(const pcre2_code* code)
      : code_(code), data_(pcre2_match_data_create_from_pattern(code, nullptr)) {
    if (data_ == nullptr) fail("out of memory for the pre-tokenizer's match data");
  }
  ~Matcher() {
    pcre2_match_data_free(data_);
    if (context_ != nullptr) pcre2_match_context_free(context_);
    if (stack_ != nullptr) pcre2_jit_stack_free(stack_);
  }
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Next match in subject[offset, size); false when there is none.
  bool next(std::string_view subject, size_t offset, TextSpan& match) {
    for (;;) {
      int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                           offset, 0, data_, context_);
      if (rc == PCRE2_ERROR_NOMATCH) return false;
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT && stack_ == nullptr) {
        grow_stack();
        continue;
      }
      if (rc < 0) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(rc, message, sizeof(message));
        fail("pre-tokenizer match failed: ", reinterpret_cast<const char*>(message));
      }
      const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data_);
      match.begin = ovector[0];
      match.end = ovector[1];
      return true;
    }
  }

 private:
  // The default 32 KiB JIT stack is enough for ordinary text; very long runs get more.
  void grow_stack() {
    stack_ = pcre2_jit_stack_create(32 * 1024, 64 * 1024 * 1024, nullptr);
    context_ = pcre2_match_context_create(nullptr);
    if (stack_ == nullptr || context_ == nullptr) fail("out of memory for the pre-tokenizer stack");
    pcre2_jit_stack_assign(context_, nullptr, stack_);
  }

  const pcre2_code* code_;
  pcre2_match_data* data_;
  pcre2_match_context* context_ = nullptr;
  pcre2_jit_stack* stack_ = nullptr;
};

// Splits subject into matches and the unmatched stretches between them, appending to `out`
// with positions shifted by `base`.
void split_one(Matcher& matcher, std::string_view subject, size_t base,
               std::vector<TextSpan>& out) {
  size_t offset = 0;
  TextSpan match;
  while (offset < subject.size() && matcher.next(subject, offset, match)) {
    if (match.begin > offset) out.push_back({base + offset, base + match.begin});
    if (match.end == match.begin) {
      // An empty match cannot happen with our patterns; step over one byte to be safe.
      match.end = match.begin + 1;
      out.push_back({base + match.begin, base + match.end});
    } else {
      out.push_back({base + match.begin, base + match.end});
    }
    offset = match.end;
  }
  if (offset < subject.size()) out.push_back({base + offset, base + subject.size()});
}

}  // namespace

std::vector<TextSpan> Pretokenizer::split(std::string_view text) const {
  std::vector<TextSpan> words;
  if (text.empty()) return words;
  words.push_back({0, text.size()});
  std::vector<TextSpan> refined;
  for (const auto& pattern : patterns_) {
    Matcher matcher(pattern->code);
    refined.clear();
    refined.reserve(words.size() + text.size() / 4);
    for (const TextSpan& word : words) {
      split_one(matcher, text.substr(word.begin, word.end - word.begin), word.begin, refined);
    }
    words.swap(refined);
  }
  return words;
}

}  // namespace slimllm
