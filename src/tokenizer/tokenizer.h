// Text <-> token ids with the vocabulary a GGUF model carries: SentencePiece-style for
// tokenizer.ggml.model = llama (llama2, stories260K), byte-level BPE for gpt2 (Llama 3,
// Qwen 2/2.5/3), WordPiece for bert (BERT-family embedding models) and SentencePiece unigram for
// t5 (T5, XLM-RoBERTa / bge-m3), matching llama.cpp token for token.
//
// A Tokenizer owns copies of everything it needs (the GgufFile may close after from_gguf), is
// cheap to copy (shared, immutable state) and safe to use from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

class GgufFile;

class Tokenizer {
 public:
  // Throws Error when the vocabulary is missing or invalid, or its pre-tokenizer is unknown.
  static Tokenizer from_gguf(const GgufFile& file);

  // add_special: add BOS/EOS as the vocabulary's add_bos_token/add_eos_token say.
  // parse_special: text spelling a control token (<|im_start|>, <|eot_id|>) becomes that token;
  // otherwise it is tokenized as ordinary text. User-defined tokens are matched either way.
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes of the ids. Control tokens give nothing unless render_special. When the
  // vocabulary adds a space prefix (SentencePiece), the space the encoder put in front of the
  // text is removed again, so decode(encode(s)) == s. Throws Error for an id outside the
  // vocabulary. The result is raw bytes: it need not be valid UTF-8 (a cut-off stream).
  std::string decode(const std::vector<int32_t>& ids, bool render_special = false) const;
  // The bytes of one token, as it sits inside a text (no prefix-space removal).
  std::string token_piece(int32_t id, bool render_special = false) const;
  // The same without a copy; the view lives as long as this Tokenizer or any copy of it.
  std::string_view piece_view(int32_t id, bool render_special = false) const;

  int32_t bos() const;        // -1 when absent
  int32_t eos() const;        // -1 when absent
  int32_t separator() const;  // [SEP] (tokenizer.ggml.seperator_token_id), -1 when absent
  int32_t eot() const;        // end of turn (<|eot_id|>, <|im_end|>, ...), -1 when absent
  bool add_bos() const;
  bool add_eos() const;
  // SentencePiece vocabularies put a space in front of the text (tokenizer.ggml.add_space_prefix).
  bool add_space_prefix() const;
  // decode() drops the space in front of the first token (the SentencePiece prefix space, or the
  // space WordPiece puts before every word).
  bool strips_leading_space() const;
  // eos, eot, eom and the vocabulary's other end-of-generation tokens (<|eot_id|>, <|im_end|>,
  // <|endoftext|>, ...). False for ids outside the vocabulary.
  bool is_end_of_generation(int32_t id) const;
  // Control, unknown and unused tokens: the ones decode hides unless asked.
  bool is_control(int32_t id) const;
  int32_t vocab_size() const;
  // The id of a token by its stored text (e.g. "<|im_start|>", "▁the", "Ġthe").
  std::optional<int32_t> find_token(std::string_view piece) const;
  std::string_view model_kind() const;  // "llama", "gpt2", "bert" or "t5"
  std::string_view pre_tokenizer() const;

  struct State;

 private:
  explicit Tokenizer(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

// Turns ids into text one at a time for streaming. Bytes of a UTF-8 character split across
// tokens are held back until the character is complete, so every push() returns whole
// characters and the concatenation of all pushes and flush() equals the whole decode.
class StreamDecoder {
 public:
  // text_start: the ids begin a text, so the SentencePiece prefix space is removed as decode()
  // does; leave it false for a continuation (generated tokens after a prompt).
  explicit StreamDecoder(const Tokenizer& tokenizer, bool render_special = false,
                         bool text_start = false);

  std::string push(int32_t id);
  // Whatever is held back (an incomplete character at the end of the stream).
  std::string flush();

 private:
  Tokenizer tokenizer_;
  bool render_special_;
  bool strip_space_;
  std::string pending_;
};

}  // namespace slimllm
