#include "tokenizer/pretokenizer.h"

#include <algorithm>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/error.h"
#include "tokenizer/pretokenizer_table.h"
#include "tokenizer/utf8.h"

namespace slimllm {
struct Pretokenizer::Pattern {
  pcre2_code* code = nullptr;
  ~Pattern() { pcre2_code_free(code); }
};

Pretokenizer::Pretokenizer(std::string_view pre) {
  const PretokenizerSpec* found = find_pretokenizer_spec(pre);
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
  return pretokenizer_names();
}

PretokenizerTraits Pretokenizer::traits(std::string_view pre) {
  const PretokenizerSpec* found = find_pretokenizer_spec(pre);
  if (found == nullptr)
    fail("unknown pre-tokenizer '", pre, "' (tokenizer.ggml.pre); slimllm knows ", known_names());
  return found->traits;
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
// with positions shifted by `base`. An empty match (a pattern made of a look-ahead only) cuts the
// text where it matches, as std::regex_iterator's empty matches do in llama.cpp.
void split_one(Matcher& matcher, std::string_view subject, size_t base,
               std::vector<TextSpan>& out) {
  size_t word_start = 0;  // start of the text not yet given out
  size_t search = 0;      // where the next match may start
  TextSpan match;
  while (search < subject.size() && matcher.next(subject, search, match)) {
    if (match.begin > word_start) out.push_back({base + word_start, base + match.begin});
    word_start = match.begin;
    if (match.end == match.begin) {
      search =
          match.begin + std::min(utf8_sequence_length(static_cast<uint8_t>(subject[match.begin])),
                                 subject.size() - match.begin);
      continue;
    }
    out.push_back({base + match.begin, base + match.end});
    word_start = search = match.end;
  }
  if (word_start < subject.size()) out.push_back({base + word_start, base + subject.size()});
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
