// llama.cpp's token ids for SentencePiece without the leading space (Gemma's vocabularies set
// tokenizer.ggml.add_space_prefix = false; Llama's and Phi-3's leave the default, true): the
// reference tests/tokenizer/spm_reference_test.cpp holds slimllm's SentencePiece to. No Gemma
// vocabulary is in ../shared/testdata, so llama.cpp's own SentencePiece test vocabulary
// (ggml-vocab-llama-spm.gguf, byte fallback included) is declared without the prefix
// (tools/gguf_set; synth_model adds the tiny tensors llama.cpp wants even for a vocabulary-only
// load). The strings are llama.cpp's own test inputs for that vocabulary
// (ggml-vocab-llama-spm.gguf.inp) and a few aimed at the leading space and the byte fallback.
// llama.cpp comes from node-llama-cpp's prebuilt CPU binaries (bench/llamacpp), loaded
// vocabulary-only; tokenize() adds no special tokens and parses none here.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   cmake --build build --target gguf_set synth_model
//   mkdir -p /tmp/vocab-spm
//   build/bin/gguf_set ../shared/testdata/tokenizer/ggml-vocab-llama-spm.gguf /tmp/vocab-spm/v.gguf \
//     tokenizer.ggml.add_space_prefix:bool=false
//   build/bin/synth_model --preset tiny-llama --recipe f32 --layers 1 --embedding 8 --heads 1 \
//     --kv-heads 1 --head-dim 8 --ffn 8 --vocab-from /tmp/vocab-spm/v.gguf -o /tmp/vocab-spm/m.gguf
//   node tools/tokenizer_reference/make_spm_reference.mjs /tmp/vocab-spm/m.gguf \
//     ../shared/testdata/tokenizer/ggml-vocab-llama-spm.gguf.inp \
//     > tests/data/tokenizer/spm_no_space_prefix.json
import {readFileSync} from "node:fs";

const extra = [
  "Hello world",
  " Hello world",
  "Hello\nworld",
  "\n\nleading newlines",
  "  two leading spaces",
  "trailing space ",
  "tabs\tand\ttext",
  "emoji 🦙 and 🙂",
  "accents: café, naïve, Ærø",
  "中文 and 日本語",
  "<start_of_turn>user\nHi<end_of_turn>",
  "code:\n    def f(x):\n        return x",
];

const llama = await (await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url)))
    .getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const inputs = readFileSync(process.argv[3], "utf8").split("\n__ggml_vocab_test__\n");
if (inputs[inputs.length - 1] === "") inputs.pop();
const strings = [...inputs, ...extra];
const model = await llama.loadModel({modelPath: process.argv[2], vocabOnly: true});
const ids = strings.map((text) => Array.from(model.tokenize(text, false)));
await model.dispose();
const out = {
  generated_by: "tools/tokenizer_reference/make_spm_reference.mjs",
  llama_cpp: `node-llama-cpp ${(await import(
      new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
      {with: {type: "json"}})).default.version}`,
  vocabulary: "ggml-vocab-llama-spm.gguf with tokenizer.ggml.add_space_prefix = false",
  strings,
  ids,
};
const text = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(text.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
