#include "tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "base/error.h"
#include "gguf/reader.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/pretokenizer.h"

namespace slimllm {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Token texts llama.cpp recognises (llama-vocab.cpp), as it does while the converters do not
// write every id: end of turn (the first found is the eot id), fill-in-the-middle pad, repository
// and file separators (end of generation too), the other fill-in-the-middle tokens, and the other
// end-of-generation texts. A token with one of these texts is a control token whatever its
// stored type, as llama.cpp makes it.
constexpr std::string_view kEndOfTurnTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",  // DeepSeek's
    "<end_of_utterance>",
};
constexpr std::string_view kFimEndTexts[] = {
    "<|fim_pad|>",   "<fim-pad>",  "<fim_pad>", "<PAD>",      "<|fim_repo|>",
    "<|repo_name|>", "<fim-repo>", "<REPO>",    "<reponame>", "<|file_sep|>",
};
constexpr std::string_view kFimOtherTexts[] = {
    "<|fim_prefix|>",
    "<fim-prefix>",
    "<fim_prefix>",
    "<PRE>",
    "\xE2\x96\x81<PRE>",
    "<|fim_suffix|>",
    "<fim-suffix>",
    "<fim_suffix>",
    "<SUF>",
    "\xE2\x96\x81<SUF>",
    "<|fim_middle|>",
    "<fim-middle>",
    "<fim_middle>",
    "<MID>",
    "\xE2\x96\x81<MID>",
    "<\xEF\xBD\x9C"
    "fim\xE2\x96\x81"
    "begin\xEF\xBD\x9C>",
    "<\xEF\xBD\x9C"
    "fim\xE2\x96\x81"
    "hole\xEF\xBD\x9C>",
    "<\xEF\xBD\x9C"
    "fim\xE2\x96\x81"
    "end\xEF\xBD\x9C>",
};
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>",      "<|im_end|>", "<|end|>", "<end_of_turn>",      "<|endoftext|>", "<|eom_id|>",
    "<|end_of_text|>", "<EOT>",      "_<EOT>",  "<end_of_utterance>", "</s>",
};

std::string replace_space_marker(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, kSpaceMarker.size(), kSpaceMarker) == 0) {
      out += ' ';
      i += kSpaceMarker.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

// "<0x1F>" -> 0x1F; -1 when the text is not a byte token's.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    int digit = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                         : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// A special id key: absent keys keep `fallback`; ids outside the vocabulary (files write
// 0xFFFFFFFF for "none") mean absent.
int32_t special_id(const GgufFile& file, std::string_view key, int32_t fallback, int32_t size) {
  int64_t id = file.get_int(key, fallback);
  return (id >= 0 && id < size) ? static_cast<int32_t>(id) : -1;
}

void read_types(const GgufFile& file, Vocab& vocab) {
  const char* key = "tokenizer.ggml.token_type";
  vocab.types.assign(vocab.texts.size(), TokenType::kNormal);
  const GgufValue* value = file.find(key);
  if (value == nullptr) return;
  if (!value->is_array() || value->size() != vocab.texts.size())
    fail(file.path(), ": ", key, " must be an array of ", vocab.texts.size(),
         " integers, one per token");
  std::vector<int64_t> types = value->ints(key);
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i] < 0 || types[i] > static_cast<int64_t>(TokenType::kByte))
      fail(file.path(), ": ", key, " gives token ", i, " the unknown type ", types[i]);
    vocab.types[i] = static_cast<TokenType>(types[i]);
  }
}

void read_scores(const GgufFile& file, Vocab& vocab) {
  const char* key = "tokenizer.ggml.scores";
  vocab.scores.assign(vocab.texts.size(), 0.0f);
  const GgufValue* value = file.find(key);
  if (value == nullptr) return;
  if (!value->is_array() || value->size() != vocab.texts.size())
    fail(file.path(), ": ", key, " must be an array of ", vocab.texts.size(),
         " numbers, one per token");
  vocab.scores = value->floats(key);
}

// A WordPiece token as it sits in text: word starts get the space that separated the words.
std::string wordpiece_piece(const Vocab& vocab, const std::string& text) {
  if (!vocab.hash_continuations) return replace_space_marker(text);
  if (text.size() > 2 && text.starts_with("##")) return text.substr(2);
  return " " + text;
}

void build_pieces(Vocab& vocab) {
  const ByteUnicode& bytes = ByteUnicode::instance();
  vocab.pieces.resize(vocab.texts.size());
  for (size_t i = 0; i < vocab.texts.size(); ++i) {
    const std::string& text = vocab.texts[i];
    switch (vocab.types[i]) {
      case TokenType::kUndefined:
      case TokenType::kNormal:
        vocab.pieces[i] = vocab.kind == VocabKind::kBytePairs   ? bytes.decode(text)
                          : vocab.kind == VocabKind::kWordPiece ? wordpiece_piece(vocab, text)
                                                                : replace_space_marker(text);
        break;
      case TokenType::kByte: {
        int byte = parse_byte_token(text);
        vocab.pieces[i] = byte >= 0 ? std::string(1, static_cast<char>(byte)) : text;
        break;
      }
      default:
        vocab.pieces[i] = text;
        break;
    }
  }
}

void find_byte_tokens(Vocab& vocab) {
  const ByteUnicode& mapping = ByteUnicode::instance();
  for (int b = 0; b < 256; ++b) {
    int32_t id = -1;
    if (vocab.kind != VocabKind::kBytePairs) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      id = vocab.any_id(name);
      if (id < 0 && b < 0x80) id = vocab.normal_id(std::string(1, static_cast<char>(b)));
    } else {
      id = vocab.normal_id(mapping.encode(static_cast<uint8_t>(b)));
    }
    vocab.byte_tokens[b] = id;
  }
}

// Tokens whose texts say they are control tokens (kEndOfTurnTexts and the others above) become
// control tokens: special text then, matched in a prompt only when specials are parsed, and
// hidden from text unless control tokens are rendered.
void mark_control_texts(Vocab& vocab) {
  auto mark = [&](std::string_view text) {
    int32_t id = vocab.any_id(text);
    if (id >= 0) vocab.types[id] = TokenType::kControl;
  };
  for (std::string_view text : kEndOfTurnTexts) mark(text);
  for (std::string_view text : kFimEndTexts) mark(text);
  for (std::string_view text : kFimOtherTexts) mark(text);
  for (std::string_view text : kEndOfGenerationTexts) mark(text);
  mark("<|eom_id|>");
}

void mark_end_of_generation(const GgufFile& file, Vocab& vocab) {
  auto id_of = [&](std::string_view text) { return vocab.any_id(text); };
  if (vocab.eot < 0) {
    for (std::string_view text : kEndOfTurnTexts) {
      if ((vocab.eot = id_of(text)) >= 0) break;
    }
  }
  if (vocab.eom < 0) vocab.eom = id_of("<|eom_id|>");
  vocab.end_of_generation.assign(vocab.texts.size(), 0);
  for (int32_t id : {vocab.eos, vocab.eot, vocab.eom}) {
    if (id >= 0) vocab.end_of_generation[id] = 1;
  }
  for (const char* key : {"tokenizer.ggml.fim_pad_token_id", "tokenizer.ggml.fim_rep_token_id",
                          "tokenizer.ggml.fim_sep_token_id"}) {
    int32_t id = special_id(file, key, -1, vocab.size());
    if (id >= 0) vocab.end_of_generation[id] = 1;
  }
  for (std::string_view text : kFimEndTexts) {
    int32_t id = id_of(text);
    if (id >= 0) vocab.end_of_generation[id] = 1;
  }
  for (std::string_view text : kEndOfGenerationTexts) {
    int32_t id = id_of(text);
    if (id >= 0) vocab.end_of_generation[id] = 1;
  }
}

// Whitespace special tokens swallow next to them in a prompt, by llama.cpp's rules for model
// names: Phi-3 files (general.name with "phi-3" or "phi3") strip it after every special token
// but <unk>, <s> and <|endoftext|>; jina-v2 and ModernBERT strip it before their mask token.
void set_whitespace_stripping(const GgufFile& file, Vocab& vocab) {
  vocab.strip.assign(vocab.texts.size(), 0);
  std::string name = file.get_string("general.name");
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string arch = file.get_string("general.architecture");
  auto set = [&](std::string_view text, uint8_t flag, bool on) {
    int32_t id = vocab.any_id(text);
    if (id < 0) return;
    vocab.strip[id] = on ? (vocab.strip[id] | flag) : (vocab.strip[id] & ~flag);
  };
  if (vocab.pre == "jina-v2-de" || vocab.pre == "jina-v2-es" || vocab.pre == "jina-v2-code" ||
      arch == "nomic-bert-moe" || arch == "jina-bert-v3") {
    set("<mask>", Vocab::kStripLeft, true);
  } else if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    for (int32_t id = 0; id < vocab.size(); ++id) {
      TokenType type = vocab.types[id];
      if (type == TokenType::kControl || type == TokenType::kUserDefined ||
          type == TokenType::kUnknown)
        vocab.strip[id] |= Vocab::kStripRight;
    }
    set("</s>", Vocab::kStripRight, true);
    for (std::string_view text : {"<unk>", "<s>", "<|endoftext|>"})
      set(text, Vocab::kStripRight, false);
  } else if (name.find("modern-bert") != std::string::npos) {
    set("[MASK]", Vocab::kStripLeft, true);
  }
}

// Special ids and flags, with the defaults llama.cpp gives each kind of vocabulary when the
// file does not say.
void read_special_ids(const GgufFile& file, Vocab& vocab) {
  int32_t size = vocab.size();
  int32_t bos = -1, eos = -1, unknown = -1, separator = -1, padding = -1;
  bool add_bos = false, add_eos = false, add_sep = false, add_space_prefix = false;
  switch (vocab.kind) {
    case VocabKind::kSentencePiece:
      bos = 1, eos = 2, unknown = 0;
      add_bos = true, add_space_prefix = true;
      break;
    case VocabKind::kBytePairs: {
      PretokenizerTraits traits;
      try {
        traits = Pretokenizer::traits(vocab.pre);
      } catch (const Error& e) {
        fail(file.path(), ": ", e.what());
      }
      bos = traits.no_default_bos ? -1 : 11, eos = 11;
      add_bos = traits.adds_bos;
      break;
    }
    case VocabKind::kWordPiece:
      // [CLS] is BERT's BOS. llama.cpp converters write cls_token_id; a bos_token_id wins.
      bos = static_cast<int32_t>(file.get_int("tokenizer.ggml.cls_token_id", 101));
      unknown = 100, separator = 102, padding = 0;
      add_bos = true, add_sep = true;
      break;
    case VocabKind::kUnigram:
      eos = 1, unknown = 2, padding = 0;
      add_eos = true;
      break;
  }
  vocab.bos = special_id(file, "tokenizer.ggml.bos_token_id", bos, size);
  vocab.eos = special_id(file, "tokenizer.ggml.eos_token_id", eos, size);
  vocab.eot = special_id(file, "tokenizer.ggml.eot_token_id", -1, size);
  vocab.eom = special_id(file, "tokenizer.ggml.eom_token_id", -1, size);
  vocab.unknown = special_id(file, "tokenizer.ggml.unknown_token_id", unknown, size);
  vocab.padding = special_id(file, "tokenizer.ggml.padding_token_id", padding, size);
  // llama.cpp's key is spelled this way.
  vocab.separator = special_id(file, "tokenizer.ggml.seperator_token_id", separator, size);
  vocab.add_bos = file.get_bool("tokenizer.ggml.add_bos_token", add_bos);
  vocab.add_eos = file.get_bool("tokenizer.ggml.add_eos_token", add_eos);
  vocab.add_sep = file.get_bool("tokenizer.ggml.add_sep_token", add_sep);
  vocab.add_space_prefix = file.get_bool("tokenizer.ggml.add_space_prefix", add_space_prefix);
  vocab.remove_extra_whitespaces = file.get_bool("tokenizer.ggml.remove_extra_whitespaces", false);
  vocab.strip_leading_space = vocab.add_space_prefix || vocab.kind == VocabKind::kWordPiece;
}

}  // namespace

Vocab load_vocab(const GgufFile& file) {
  Vocab vocab;
  const GgufValue* model = file.find("tokenizer.ggml.model");
  const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
  if (model == nullptr || tokens == nullptr)
    fail(file.path(), ": no tokenizer vocabulary (tokenizer.ggml.model and tokenizer.ggml.tokens ",
         "are required)");
  vocab.model = file.get_string("tokenizer.ggml.model");
  if (vocab.model == "llama") {
    vocab.kind = VocabKind::kSentencePiece;
  } else if (vocab.model == "gpt2") {
    vocab.kind = VocabKind::kBytePairs;
  } else if (vocab.model == "bert") {
    vocab.kind = VocabKind::kWordPiece;
  } else if (vocab.model == "t5") {
    vocab.kind = VocabKind::kUnigram;
  } else {
    fail(file.path(), ": tokenizer.ggml.model '", vocab.model,
         "' is not supported (slimllm reads 'llama', 'gpt2', 'bert' and 't5' vocabularies)");
  }
  vocab.pre = file.get_string("tokenizer.ggml.pre", "default");
  if (!tokens->is_array() || tokens->element_type() != GgufType::kString)
    fail(file.path(), ": tokenizer.ggml.tokens must be an array of strings");
  if (tokens->size() == 0 || tokens->size() > static_cast<uint64_t>(INT32_MAX))
    fail(file.path(), ": tokenizer.ggml.tokens holds ", tokens->size(),
         " tokens (must be 1 to 2^31-1)");
  vocab.texts.reserve(tokens->size());
  for (std::string_view text : tokens->strings()) vocab.texts.emplace_back(text);
  read_types(file, vocab);
  read_scores(file, vocab);

  std::vector<uint8_t> normal(vocab.texts.size()), all(vocab.texts.size(), 1);
  vocab.all_index.build(vocab.texts, all);
  mark_control_texts(vocab);
  for (size_t id = 0; id < vocab.texts.size(); ++id) {
    TokenType type = vocab.types[id];
    normal[id] = type == TokenType::kNormal || type == TokenType::kUndefined;
  }
  vocab.normal_index.build(vocab.texts, normal);

  read_special_ids(file, vocab);
  if (vocab.add_bos && vocab.bos < 0)
    fail(file.path(), ": the vocabulary asks for a BOS token but has no valid bos_token_id");
  if (vocab.add_eos && vocab.eos < 0)
    fail(file.path(), ": the vocabulary asks for an EOS token but has no valid eos_token_id");
  if (vocab.add_sep && vocab.separator < 0)
    fail(file.path(), ": the vocabulary asks for a separator token but has no valid ",
         "seperator_token_id");

  if (vocab.kind == VocabKind::kWordPiece) {
    size_t marked = 0, hashed = 0;
    for (const std::string& text : vocab.texts) {
      if (text.starts_with(kSpaceMarker)) ++marked;
      if (text.size() > 2 && text.starts_with("##")) ++hashed;
    }
    vocab.hash_continuations = marked == 0 && hashed > 0;
  }
  build_pieces(vocab);
  find_byte_tokens(vocab);
  mark_end_of_generation(file, vocab);
  set_whitespace_stripping(file, vocab);
  return vocab;
}

}  // namespace slimllm
