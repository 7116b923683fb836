// llama.cpp's token ids for prompts holding special tokens, with and without special-token
// parsing, over llama.cpp's own test vocabularies: the reference
// tests/tokenizer/special_reference_test.cpp holds slimllm's special-token splitting to (control
// and user-defined tokens, longest first, the control type llama.cpp gives end-of-turn texts,
// Phi-3's whitespace stripping after its tokens, SentencePiece's space after a special token).
// Each vocabulary gets the tiny tensors llama.cpp wants (synth_model), and its general.name back
// (gguf_set), as llama.cpp's rules read the name. llama.cpp comes from node-llama-cpp's prebuilt
// CPU binaries (bench/llamacpp), loaded vocabulary-only; tokenize() adds no BOS/EOS.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   cmake --build build --target gguf_set synth_model
//   mkdir -p /tmp/vocab-special
//   for v in $(node tools/tokenizer_reference/make_special_reference.mjs --names); do
//     build/bin/synth_model --preset tiny-llama --recipe f32 --layers 1 --embedding 8 --heads 1 \
//       --kv-heads 1 --head-dim 8 --ffn 8 --vocab-from ../shared/testdata/tokenizer/ggml-vocab-$v.gguf \
//       -o /tmp/vocab-special/m.gguf
//     build/bin/gguf_set /tmp/vocab-special/m.gguf /tmp/vocab-special/$v.gguf \
//       "general.name=$(node tools/tokenizer_reference/make_special_reference.mjs --name-of $v)"
//   done
//   node tools/tokenizer_reference/make_special_reference.mjs /tmp/vocab-special \
//     > tests/data/tokenizer/special_reference.json
const vocabularies = {
  "phi-3": "Phi3", "llama-spm": "llama-spm", "llama-bpe": "llama-bpe", "qwen2": "qwen2",
  "gpt-2": "gpt-2", "starcoder": "starcoder", "refact": "Refact", "mpt": "mpt",
  "gpt-neox": "gpt-neox-20b", "falcon": "Falcon", "deepseek-coder": "deepseek-coder",
  "deepseek-llm": "deepseek-llm", "baichuan": "Baichuan-7B",
};
if (process.argv[2] === "--names") {
  process.stdout.write(Object.keys(vocabularies).join("\n") + "\n");
  process.exit(0);
}
if (process.argv[2] === "--name-of") {
  process.stdout.write(vocabularies[process.argv[3]] + "\n");
  process.exit(0);
}

const strings = [
  "Hello world",
  "<|user|>\nHello<|end|>\n<|assistant|>\n",
  "<|system|>\nYou are helpful.<|end|>\n<|user|>\n  Hi there  <|end|>\n<|assistant|>",
  "<s> hello </s> world <unk>",
  "</s>\n  after the end",
  "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
  "<|endoftext|>text after<|endoftext|>",
  "<fim_prefix>def f():<fim_suffix>\n    return 1<fim_middle>",
  "<reponame>x<file_sep>y<gh_stars>",
  "a    b     c\t\td",
  ">>TITLE<<\nAbstract >>ABSTRACT<< text",
  "<｜begin▁of▁sentence｜>User: hi\n\nAssistant:<｜end▁of▁sentence｜>",
  "[PAD32011] pad",
  "text with <|placeholder1|> inside  and <|end|>   trailing",
  "<|endoftext|><|endoftext|>  <s><s>",
];

const llama = await (await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url)))
    .getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const dir = process.argv[2];
const ids = {};
for (const vocab of Object.keys(vocabularies)) {
  const model = await llama.loadModel({modelPath: `${dir}/${vocab}.gguf`, vocabOnly: true});
  ids[vocab] = {
    parse_special: strings.map((text) => Array.from(model.tokenize(text, true))),
    plain: strings.map((text) => Array.from(model.tokenize(text, false))),
  };
  await model.dispose();
}
const out = {
  generated_by: "tools/tokenizer_reference/make_special_reference.mjs",
  llama_cpp: `node-llama-cpp ${(await import(
      new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
      {with: {type: "json"}})).default.version}`,
  strings,
  ids,
};
const text = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(text.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
