// llama.cpp's token ids for every pre-tokenizer name (tokenizer.ggml.pre), the reference
// tests/tokenizer/pre_reference_test.cpp holds slimllm's pre-tokenizers to. One real byte-level
// BPE vocabulary (llama.cpp's ggml-vocab-gpt-2.gguf) is declared with each name in turn
// (tools/gguf_set; synth_model adds the tiny tensors llama.cpp wants even for a vocabulary-only
// load), so the ids differ only by how each pre-tokenizer splits the text. The strings
// are llama.cpp's own test inputs (ggml-vocab-gpt-2.gguf.inp) and a table aimed at the patterns'
// differences (digit groups, cased letters, CJK, full-width punctuation, '~', \r\n, marks).
// llama.cpp comes from node-llama-cpp's prebuilt CPU binaries (bench/llamacpp), loaded
// vocabulary-only; tokenize() adds no special tokens and parses none here. Names this llama.cpp
// does not know are left out (listed on stderr).
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   cmake --build build --target gguf_set synth_model
//   mkdir -p /tmp/vocab-pre
//   for pre in $(node tools/tokenizer_reference/make_pre_reference.mjs --names); do
//     build/bin/gguf_set ../shared/testdata/tokenizer/ggml-vocab-gpt-2.gguf /tmp/vocab-pre/v.gguf \
//       tokenizer.ggml.pre=$pre
//     build/bin/synth_model --preset tiny-llama --recipe f32 --layers 1 --embedding 8 --heads 1 \
//       --kv-heads 1 --head-dim 8 --ffn 8 --vocab-from /tmp/vocab-pre/v.gguf -o /tmp/vocab-pre/$pre.gguf
//   done
//   node tools/tokenizer_reference/make_pre_reference.mjs /tmp/vocab-pre \
//     ../shared/testdata/tokenizer/ggml-vocab-gpt-2.gguf.inp > tests/data/tokenizer/pre_reference.json
import {readFileSync} from "node:fs";

const names = [
  "default", "gpt-2", "phi-2", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4",
  "gigachat", "a.x-4.0", "mellum", "llama-bpe", "llama3", "llama-v3", "falcon3", "falcon-h1",
  "pixtral", "midm-2.0", "lfm2", "dbrx", "smaug-bpe", "chatglm-bpe", "glm4", "qwen2",
  "deepseek-r1-qwen", "megrez", "stablelm2", "hunyuan", "grok-2", "solar-open", "starcoder",
  "refact", "smollm", "command-r", "codeshell", "exaone", "minerva-7b", "falcon", "deepseek-llm",
  "deepseek-coder", "deepseek-v3", "hunyuan-dense", "gpt-4o", "llama4", "kanana2", "minimax-m2",
  "tekken", "poro-chat", "bloom", "gpt3-finnish", "viking", "bailingmoe", "bailingmoe2",
  "llada-moe", "seed-coder", "superbpe",
];
if (process.argv[2] === "--names") {
  process.stdout.write(names.join("\n") + "\n");
  process.exit(0);
}

const extra = [
  "DON'T I'LL we'RE They'Ve it'S",
  "1234567 12 123456 1,234,567.89 2026-12-06 0.000001",
  "ÉCOLE École CamelCaseWord HTTPServer iPhone McDONALD'S",
  "tilde~~ ~home a~b ~/.bashrc x ~= y",
  "中文分词测试，标点符号。日本語のテキスト、カタカナ 한국어 문장",
  "ｆｕｌｌｗｉｄｔｈ！？ＡＢＣ　全角スペース　end",
  "Ελληνικά Ωμέγα ΐ ᾧ Кириллица Ѳ ℃ Ω K",
  "path/to/file.txt\r\n\r\nnext line\r\rcr only\n",
  "trailing spaces   ",
  "tabs\t\tand\u00a0nbsp\u2003emsp\u3000ideographic",
  "Hello, world! How are you? Fine… 。、 ok",
  "naïve café façade combining e\u0301 and a\u0308",
  "emoji 🦙🚀 and 👩‍👩‍👧 <3",
  "def f(x):\n    return x**2  # comment\n\n\n    pass",
  "a  b   c    d     e",
  "   leading spaces and\n  indented\n\tlines",
  "$100 + 5% = <value> ^caret `code` |pipe| @user #tag",
  "سلام دنیا ۱۲۳ और हिन्दी । ١٢٣",
];

const llama = await (await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url)))
    .getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const dir = process.argv[2];
const inputs = readFileSync(process.argv[3], "utf8").split("\n__ggml_vocab_test__\n");
if (inputs[inputs.length - 1] === "") inputs.pop();
const strings = [...inputs, ...extra];
const ids = {};
for (const pre of names) {
  let model;
  try {
    model = await llama.loadModel({modelPath: `${dir}/${pre}.gguf`, vocabOnly: true});
  } catch (e) {
    process.stderr.write(`${pre}: not loaded by this llama.cpp (${e.message.split("\n")[0]})\n`);
    continue;
  }
  ids[pre] = strings.map((text) => Array.from(model.tokenize(text, false)));
  await model.dispose();
}
const out = {
  generated_by: "tools/tokenizer_reference/make_pre_reference.mjs",
  llama_cpp: `node-llama-cpp ${(await import(
      new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
      {with: {type: "json"}})).default.version}`,
  vocabulary: "ggml-vocab-gpt-2.gguf declared with each tokenizer.ggml.pre",
  strings,
  ids,
};
const text = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(text.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
