#include "tokenizer/tokenizer.h"

#include <optional>

#include "base/error.h"
#include "gguf/reader.h"
#include "tokenizer/bpe.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/spm.h"
#include "tokenizer/unigram.h"
#include "tokenizer/vocab.h"
#include "tokenizer/wordpiece.h"

namespace slimllm {
namespace {

// WordPiece puts a space before every word, punctuation included; decoding takes back the ones
// English text does not have, in llama.cpp's three passes (Hugging Face's
// clean_up_tokenization is alike): before ? ! . and ",", around an apostrophe standing alone,
// and before the contractions 's 'm 're 've.
void clean_up_spaces(std::string& text) {
  auto space_before = [&](size_t i) { return i > 0 && text[i - 1] == ' '; };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '?' || c == '!' || c == '.' || c == ',') && space_before(i)) out.pop_back();
    out += c;
  }
  text.swap(out);
  out.clear();
  bool after_dropped = false;  // the space just dropped no longer counts as one
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    out += c;
    if (c == '\'' && space_before(i) && !after_dropped && i + 1 < text.size() &&
        text[i + 1] == ' ') {
      out.erase(out.size() - 2, 1);
      ++i;
      after_dropped = true;
    } else {
      after_dropped = false;
    }
  }
  text.swap(out);
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view rest = std::string_view(text).substr(i);
    if (rest.starts_with("'") && space_before(i) &&
        (rest.starts_with("'s") || rest.starts_with("'m") || rest.starts_with("'re") ||
         rest.starts_with("'ve")))
      out.pop_back();
    out += text[i];
  }
  text.swap(out);
}

}  // namespace

struct Tokenizer::State {
  Vocab vocab;
  SpecialTokenSplitter specials;
  std::optional<BpeEncoder> bpe;              // gpt2 vocabularies only
  std::optional<WordPieceEncoder> wordpiece;  // bert
  std::optional<UnigramEncoder> unigram;      // t5

  State(const GgufFile& file, Vocab loaded) : vocab(std::move(loaded)), specials(vocab) {
    if (vocab.kind == VocabKind::kBytePairs) bpe.emplace(file, vocab);
    if (vocab.kind == VocabKind::kWordPiece) wordpiece.emplace(vocab);
    if (vocab.kind == VocabKind::kUnigram) unigram.emplace(file, vocab);
  }

  std::string_view piece(int32_t id, bool render_special) const {
    if (!vocab.valid(id))
      fail("token id ", id, " is outside the vocabulary (0 to ", vocab.size() - 1, ")");
    switch (vocab.types[id]) {
      case TokenType::kControl:
      case TokenType::kUnknown:
        return render_special ? vocab.texts[id] : std::string_view();
      case TokenType::kUnused:  // no text even when specials are rendered (llama.cpp)
        return std::string_view();
      default:
        return vocab.pieces[id];
    }
  }
};

Tokenizer Tokenizer::from_gguf(const GgufFile& file) {
  Vocab vocab = load_vocab(file);
  try {
    return Tokenizer(std::make_shared<const State>(file, std::move(vocab)));
  } catch (const Error& e) {
    fail(file.path(), ": ", e.what());
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  const Vocab& vocab = state_->vocab;
  if (text.size() > static_cast<size_t>(INT32_MAX))
    fail("text of ", text.size(), " bytes is too long to tokenize (limit 2 GiB)");
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (add_special && vocab.add_bos) ids.push_back(vocab.bos);
  // SentencePiece puts a space before text that starts the input or follows a special token.
  bool after_special = true;
  for (const Fragment& fragment : state_->specials.split(text, parse_special)) {
    if (fragment.token >= 0) {
      ids.push_back(fragment.token);
      after_special = true;
      continue;
    }
    std::string_view part = text.substr(fragment.begin, fragment.end - fragment.begin);
    if (state_->bpe) {
      state_->bpe->encode(vocab, part, ids);
    } else if (state_->wordpiece) {
      state_->wordpiece->encode(vocab, part, ids);
    } else if (state_->unigram) {
      // Unigram normalizes each piece of text on its own, prefix space included (llama.cpp).
      state_->unigram->encode(vocab, part, ids);
    } else if (vocab.add_space_prefix && after_special) {
      std::string prefixed;
      prefixed.reserve(part.size() + 1);
      prefixed.append(1, ' ').append(part);
      spm_encode(vocab, prefixed, ids);
    } else {
      spm_encode(vocab, part, ids);
    }
    after_special = false;
  }
  if (add_special && vocab.add_eos) ids.push_back(vocab.eos);
  if (add_special && vocab.add_sep) ids.push_back(vocab.separator);
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool render_special) const {
  std::string text;
  text.reserve(ids.size() * 4);
  bool first = true;
  for (int32_t id : ids) {
    std::string_view piece = state_->piece(id, render_special);
    // The prefix space the encoder added sits on the first token that has any text.
    if (first && !piece.empty()) {
      if (state_->vocab.strip_leading_space && piece[0] == ' ') piece.remove_prefix(1);
      first = false;
    }
    text.append(piece);
  }
  if (state_->vocab.kind == VocabKind::kWordPiece) clean_up_spaces(text);
  return text;
}

std::string Tokenizer::token_piece(int32_t id, bool render_special) const {
  return std::string(state_->piece(id, render_special));
}

std::string_view Tokenizer::piece_view(int32_t id, bool render_special) const {
  return state_->piece(id, render_special);
}

int32_t Tokenizer::bos() const {
  return state_->vocab.bos;
}
int32_t Tokenizer::eos() const {
  return state_->vocab.eos;
}
int32_t Tokenizer::separator() const {
  return state_->vocab.separator;
}
int32_t Tokenizer::eot() const {
  return state_->vocab.eot;
}
bool Tokenizer::add_bos() const {
  return state_->vocab.add_bos;
}
bool Tokenizer::add_eos() const {
  return state_->vocab.add_eos;
}
bool Tokenizer::add_space_prefix() const {
  return state_->vocab.add_space_prefix;
}
bool Tokenizer::strips_leading_space() const {
  return state_->vocab.strip_leading_space;
}

bool Tokenizer::is_end_of_generation(int32_t id) const {
  return state_->vocab.valid(id) && state_->vocab.end_of_generation[id] != 0;
}

bool Tokenizer::is_control(int32_t id) const {
  if (!state_->vocab.valid(id)) return false;
  TokenType type = state_->vocab.types[id];
  return type == TokenType::kControl || type == TokenType::kUnknown || type == TokenType::kUnused;
}

int32_t Tokenizer::vocab_size() const {
  return state_->vocab.size();
}

std::optional<int32_t> Tokenizer::find_token(std::string_view piece) const {
  int32_t id = state_->vocab.any_id(piece);
  if (id < 0) return std::nullopt;
  return id;
}

std::string_view Tokenizer::model_kind() const {
  return state_->vocab.model;
}
std::string_view Tokenizer::pre_tokenizer() const {
  return state_->vocab.pre;
}

}  // namespace slimllm
