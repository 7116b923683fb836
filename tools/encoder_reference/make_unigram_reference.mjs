// llama.cpp's Unigram (tokenizer.ggml.model = t5) token ids for a table of strings, the reference
// tests/tokenizer/unigram_golden_test.cpp holds slimllm's Unigram tokenizer to. No real Unigram
// vocabulary is in ../shared/testdata, so the vocabulary is llama.cpp's own llama-spm test
// vocabulary (32,000 real SentencePiece pieces with scores) declared as t5: both engines then
// run their Unigram segmentation (Viterbi over the scores, ▁ for spaces, unknown runs) on it.
// llama.cpp comes from node-llama-cpp's prebuilt CPU binaries (bench/llamacpp), loaded
// vocabulary-only; its tokenize() adds no special tokens here.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   cmake --build build --target synth_model
//   build/bin/synth_model --preset tiny-bert --recipe f16 --layers 1 \
//     --vocab-from ../shared/testdata/tokenizer/ggml-vocab-llama-spm.gguf --tokenizer-model t5 \
//     -o /tmp/unigram-llama-spm.gguf
//   node tools/encoder_reference/make_unigram_reference.mjs /tmp/unigram-llama-spm.gguf \
//     > tests/data/tokenizer/unigram_llama_spm.json
const {getLlama} = await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

const strings = [
  "Hello world",
  " Hello world",
  "Hello  world",
  "   leading and trailing   ",
  "\tTabs\tand\nnewlines\n\n",
  "The quick brown fox jumps over the lazy dog.",
  "naïve café résumé façade",
  "Ünïcödé àccents: ÀÉÎÕÜ",
  "東京都の天気は晴れです",
  "中文分词测试，标点符号。",
  "한국어 문장입니다",
  "Привет, как дела?",
  "emoji 🦙🚀 and 👩‍👩‍👧",
  "punctuation!!! ??? ... ,,, ;;;",
  "numbers 3.14159 and 1,000,000 and 2026-12-06",
  "email@example.com https://example.org/path?q=1",
  "supercalifragilisticexpialidocious antidisestablishmentarianism",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "x",
  "",
  "CamelCaseWordsAndsnake_case_words",
  "<s> not a control token </s>",
  "mixed Ελληνικά and English",
  "\u00a0non-breaking\u00a0space",
];

const llama = await getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const model = await llama.loadModel({modelPath: process.argv[2], vocabOnly: true});
const cases = strings.map((text) => ({text, ids: Array.from(model.tokenize(text, false))}));
const out = {
  generated_by: "tools/encoder_reference/make_unigram_reference.mjs",
  llama_cpp: `node-llama-cpp ${(await import(
      new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
      {with: {type: "json"}})).default.version}`,
  vocabulary: "ggml-vocab-llama-spm.gguf declared as tokenizer.ggml.model = t5",
  cases,
};
const lines = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(lines.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
