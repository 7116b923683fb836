#include "tokenizer/pretokenizer_table.h"

namespace slimllm {
namespace {

// The patterns are the ones the tokenizers' authors published (tokenizer.json), in the form
// llama.cpp runs them, rewritten for PCRE2 so that the words come out as llama.cpp's:
// - \s is spelled out as Unicode White_Space (what llama.cpp's tables call whitespace; PCRE2's
//   own \s leaves out U+0085), and \S as its complement.
// - Case-insensitive contractions are spelled out as classes.
// - llama.cpp hides non-ASCII whitespace from patterns without \p{..} categories (it turns it
//   into U+000B first), so classes of literal ranges that span such characters leave them out.
// - "$" is the end of the word only (\z), and \d is ASCII, as in std::regex.
#define WS   \
  "\\t-\\r " \
  "\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
#define SPACE "[" WS "]"
#define NOT_SPACE "[^" WS "]"
#define CONTRACTIONS "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
// The tail most modern patterns share: punctuation runs, newlines, whitespace runs.
#define SPACE_TAIL SPACE "*[\\r\\n]+|" SPACE "+(?!" NOT_SPACE ")|" SPACE "+"

#define GPT2 \
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+|" SPACE "+(?!" NOT_SPACE ")"
#define LLAMA3                                                      \
  CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^" WS \
               "\\p{L}\\p{N}]+[\\r\\n]*|" SPACE_TAIL
#define QWEN2                                                  \
  CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^" WS \
               "\\p{L}\\p{N}]+[\\r\\n]*"                       \
               "|" SPACE_TAIL
// CJK ideographs and the wide range DeepSeek lists with them (U+0800..U+4E00, Hangul).
#define DEEPSEEK_CJK "(?:(?!" SPACE ")[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}])+"
// DeepSeek LLM's letters: the cased letters of the Latin, Greek, Cyrillic, Armenian, Georgian,
// Cherokee, Glagolitic, Coptic, Deseret, Osage, Old Hungarian, Warang Citi and Adlam scripts.
#define DEEPSEEK_LETTERS                                                                           \
  "A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"  \
  "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}"            \
  "\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}"  \
  "\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"  \
  "\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{"     \
  "1F15}"                                                                                          \
  "\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}" \
  "\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}" \
  "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{"     \
  "1FF4}"                                                                                          \
  "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}"  \
  "\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}"           \
  "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"           \
  "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}" \
  "\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{"     \
  "FB17}"                                                                                          \
  "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"               \
  "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"           \
  "\\x{1E900}-\\x{1E943}"
// A letter that is not a-z / not A-Z: llama.cpp's stand-in for the cased-letter classes of
// Tekken and GPT-4o (\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M} and \p{Ll}\p{Lm}\p{Lo}\p{M}).
#define NOT_LOWER "(?:(?=\\p{L})[^a-z])"
#define NOT_UPPER "(?:(?=\\p{L})[^A-Z])"
#define PORO "[ ]?[^(" WS "|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+"

constexpr const char* kGpt2[] = {GPT2};
constexpr const char* kLlama3[] = {LLAMA3};
constexpr const char* kQwen2[] = {QWEN2};
// llama.cpp's "default": the GPT-2 pattern between three refinements.
constexpr const char* kDefault[] = {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+",
                                    "[0-9][0-9][0-9]"};
constexpr const char* kFalcon[] = {"[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"};
constexpr const char* kStarcoder[] = {"\\p{N}", GPT2};
constexpr const char* kDeepseekLlm[] = {
    "[\\r\\n]",
    SPACE "?[" DEEPSEEK_LETTERS "]+",
    SPACE "?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3001}-\\x{3002}]+",
    SPACE "+\\z",
    DEEPSEEK_CJK,
    "\\p{N}+",
};
constexpr const char* kDeepseekCoder[] = {
    "[\\r\\n]", SPACE "?\\p{L}+", SPACE "?\\p{P}+", DEEPSEEK_CJK, "\\p{N}",
};
constexpr const char* kDeepseekV3[] = {
    "\\p{N}{1,3}",
    "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
    "|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|" SPACE_TAIL,
};
constexpr const char* kGpt4o[] = {
    "[^\\r\\n\\p{L}\\p{N}]?" NOT_LOWER "*" NOT_UPPER "+" CONTRACTIONS
    "?|[^\\r\\n\\p{L}\\p{N}]?" NOT_LOWER "+" NOT_UPPER "*" CONTRACTIONS "?|\\p{N}{1,3}| ?[^" WS
    "\\p{L}\\p{N}]+[\\r\\n/]*|" SPACE_TAIL,
};
constexpr const char* kTekken[] = {
    "[^\\r\\n\\p{L}\\p{N}]?" NOT_LOWER "*" NOT_UPPER "+|[^\\r\\n\\p{L}\\p{N}]?" NOT_LOWER
    "+" NOT_UPPER "*|\\p{N}| ?[^" WS "\\p{L}\\p{N}]+[\\r\\n/]*|" SPACE_TAIL,
};
constexpr const char* kPoro[] = {PORO};
constexpr const char* kViking[] = {PORO, "\\p{N}"};
constexpr const char* kBailingMoe[] = {
    "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^" WS
    "\\p{L}\\p{N}]+[\\r\\n]*|" SPACE "*[\\r\\n]|" SPACE "+(?!" NOT_SPACE ")|" SPACE "+",
};
constexpr const char* kSeedCoder[] = {
    CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^" WS "\\p{L}\\p{N}\\r\\n]+|" SPACE_TAIL,
};
// Digit runs, then cut so that the groups of three end the run ("1234567" -> 1 234 567).
constexpr const char* kSuperBpe[] = {"\\p{N}+", "(?=(?:[0-9]{3})+(?![0-9]))"};

#undef PORO
#undef NOT_UPPER
#undef NOT_LOWER
#undef DEEPSEEK_LETTERS
#undef DEEPSEEK_CJK
#undef QWEN2
#undef LLAMA3
#undef GPT2
#undef SPACE_TAIL
#undef CONTRACTIONS
#undef NOT_SPACE
#undef SPACE
#undef WS

template <size_t N>
constexpr PretokenizerSpec spec(const char* name, const char* const (&patterns)[N],
                                PretokenizerTraits traits = {}) {
  return {name, patterns, N, traits};
}

constexpr PretokenizerTraits kLlama3Traits{.ignore_merges = true, .adds_bos = true};
constexpr PretokenizerTraits kNoBos{.no_default_bos = true};

// Names as llama.cpp maps them (llama-vocab.cpp), grouped by pattern set.
constexpr PretokenizerSpec kKnown[] = {
    spec("default", kDefault),
    // GPT-2's pattern: GPT-2, Phi-2, MPT, OLMo, Jais, Trillion, EXAONE 4, GigaChat, ...
    spec("gpt-2", kGpt2),
    spec("phi-2", kGpt2),
    spec("mpt", kGpt2),
    spec("olmo", kGpt2),
    spec("jais", kGpt2),
    spec("trillion", kGpt2),
    spec("granite-docling", kGpt2),
    spec("exaone4", kGpt2),
    spec("gigachat", kGpt2),
    spec("a.x-4.0", kGpt2),
    spec("mellum", kGpt2),
    spec("jina-es", kGpt2),
    spec("jina-de", kGpt2),
    spec("jina-v2-es", kGpt2),
    spec("jina-v2-de", kGpt2),
    spec("modern-bert", kGpt2),
    // Llama 3's pattern with whole-word lookup and BOS: Llama 3.x, Falcon 3, Pixtral, LFM2, ...
    spec("llama-bpe", kLlama3, kLlama3Traits),
    spec("llama3", kLlama3, kLlama3Traits),
    spec("llama-v3", kLlama3, kLlama3Traits),
    spec("falcon3", kLlama3, kLlama3Traits),
    spec("falcon-h1", kLlama3, kLlama3Traits),
    spec("pixtral", kLlama3, kLlama3Traits),
    spec("midm-2.0", kLlama3, kLlama3Traits),
    spec("lfm2", kLlama3, kLlama3Traits),
    // Llama 3's pattern alone.
    spec("dbrx", kLlama3),
    spec("smaug-bpe", kLlama3),
    spec("chatglm-bpe", kLlama3, kNoBos),
    spec("glm4", kLlama3, kNoBos),
    // Qwen 2's pattern (digits one by one): Qwen 2/2.5/3, DeepSeek-R1 distills, StableLM 2, ...
    spec("qwen2", kQwen2),
    spec("deepseek-r1-qwen", kQwen2),
    spec("megrez", kQwen2),
    spec("stablelm2", kQwen2),
    spec("hunyuan", kQwen2),
    spec("grok-2", kQwen2),
    spec("solar-open", kQwen2),
    // StarCoder's: digits one by one, then GPT-2's. Granite 3.x declares refact; SmolLM smollm.
    spec("starcoder", kStarcoder),
    spec("refact", kStarcoder),
    spec("smollm", kStarcoder),
    spec("command-r", kStarcoder),
    spec("codeshell", kStarcoder),
    spec("exaone", kStarcoder),
    spec("minerva-7b", kStarcoder),
    spec("falcon", kFalcon),
    spec("deepseek-llm", kDeepseekLlm),
    spec("deepseek-coder", kDeepseekCoder),
    spec("deepseek-v3", kDeepseekV3),
    spec("hunyuan-dense", kDeepseekV3),
    spec("gpt-4o", kGpt4o),
    spec("llama4", kGpt4o),
    spec("kanana2", kGpt4o),
    spec("minimax-m2", kGpt4o),
    spec("tekken", kTekken, kLlama3Traits),
    spec("poro-chat", kPoro),
    spec("bloom", kPoro),
    spec("gpt3-finnish", kPoro),
    spec("viking", kViking),
    spec("bailingmoe", kBailingMoe),
    spec("bailingmoe2", kBailingMoe),
    spec("llada-moe", kBailingMoe),
    spec("seed-coder", kSeedCoder),
    spec("superbpe", kSuperBpe),
};

}  // namespace

const PretokenizerSpec* find_pretokenizer_spec(std::string_view name) {
  for (const PretokenizerSpec& entry : kKnown) {
    if (name == entry.name) return &entry;
  }
  return nullptr;
}

std::string pretokenizer_names() {
  std::string names;
  for (const PretokenizerSpec& entry : kKnown) {
    if (!names.empty()) names += ", ";
    names += "'";
    names += entry.name;
    names += "'";
  }
  return names;
}

}  // namespace slimllm
