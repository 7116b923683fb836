// llama.cpp's embeddings of the tiny synthetic encoders in tests/data/encoders/, the reference
// tests/model/encoder_test.cpp holds slimllm's to (cosine ≥ 0.9999). llama.cpp comes from
// node-llama-cpp's prebuilt CPU binaries (bench/llamacpp); the inputs are token ids, so no
// tokenizer takes part: each starts with [CLS] (2) and ends with [SEP] (3), which node-llama-cpp
// would otherwise add for a WordPiece vocabulary. The pooling is each file's bert.pooling_type /
// nomic-bert.pooling_type, which llama.cpp reads from the file.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   cmake --build build --target synth_model
//   for arch in bert nomic-bert; do for type in f32 f16; do for pooling in mean:1 cls:2; do
//     build/bin/synth_model --preset tiny-$arch --recipe $type --pooling ${pooling#*:} \
//       -o tests/data/encoders/$arch-$type-${pooling%:*}.gguf
//   done; done; done
//   build/bin/synth_model --preset tiny-qwen3 --recipe f32 --pooling 3 \
//     -o tests/data/encoders/qwen3-f32-last.gguf   # a decoder embedder (Qwen3-Embedding's pooling)
//   node tools/encoder_reference/make_reference.mjs tests/data/encoders/*-{mean,cls,last}.gguf \
//     > tests/data/encoders/reference.json
import {basename} from "node:path";

const {getLlama} = await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

// [CLS] … [SEP]: lengths 3, 5, 9 and 17, so a batch of them has sequences of different lengths.
const inputs = [
  [2, 5, 3],
  [2, 5, 6, 7, 3],
  [2, 24, 31, 9, 40, 12, 56, 7, 3],
  [2, 30, 18, 44, 5, 5, 21, 50, 9, 13, 36, 27, 6, 42, 19, 11, 3],
];

const llama = await getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const out = {
  generated_by: "tools/encoder_reference/make_reference.mjs",
  // The llama.cpp release as node-llama-cpp's prebuilt binaries name it.
  llama_cpp: `node-llama-cpp ${(await import(
      new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
      {with: {type: "json"}})).default.version}, llama.cpp ${llama.llamaCppRelease?.release ?? "?"}`,
  inputs,
  models: {},
};
for (const path of process.argv.slice(2)) {
  const model = await llama.loadModel({modelPath: path, gpuLayers: 0});
  const context = await model.createEmbeddingContext({contextSize: 64, threads: 1});
  // node-llama-cpp puts the vocabulary's BOS in front of an input that lacks it (and EOS after,
  // when the vocabulary adds one): the tokens llama.cpp actually embedded are recorded per model.
  const t = model.tokens;
  const evaluated = inputs.map((tokens) => {
    const ids = [...tokens];
    if (model.vocabularyType !== "wpm" && t.shouldPrependBosToken && t.bos != null && ids[0] !== t.bos) ids.unshift(t.bos);
    if (model.vocabularyType !== "wpm" && t.shouldAppendEosToken && t.eos != null && ids.at(-1) !== t.eos) ids.push(t.eos);
    return ids;
  });
  const vectors = [];
  for (const tokens of evaluated) {
    const embedding = await context.getEmbeddingFor(tokens);
    vectors.push(Array.from(embedding.vector));
  }
  const differs = evaluated.some((ids, i) => ids.length !== inputs[i].length);
  out.models[basename(path)] = differs ? {inputs: evaluated, vectors} : {vectors};
  await context.dispose();
  await model.dispose();
}
// One line per input and per vector, so a regenerated file diffs readably.
const lines = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(lines.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
