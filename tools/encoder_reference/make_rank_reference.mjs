// llama.cpp's relevance scores for the tiny synthetic rerankers in tests/data/encoders/
// (bert-*-rank.gguf: pooling_type 4, a cls head), the reference tests/model/rerank_test.cpp and
// the /api/rerank route tests hold slimllm's to. llama.cpp comes from node-llama-cpp's prebuilt
// CPU binaries (bench/llamacpp); its ranking context tokenizes the texts and lays out each pair as
// [BOS] query [EOS] [SEP] document [EOS], then gives sigmoid(logit) — stored as is, with the logit.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   cmake --build build --target synth_model
//   for type in f32 f16; do
//     build/bin/synth_model --preset tiny-bert --recipe $type --pooling 4 \
//       -o tests/data/encoders/bert-$type-rank.gguf
//   done
//   node tools/encoder_reference/make_rank_reference.mjs tests/data/encoders/*-rank.gguf \
//     > tests/data/encoders/rank_reference.json
import {basename} from "node:path";

const {getLlama} = await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

// The fixtures' vocabulary is a..z (word starts and continuations): texts of those letters.
const query = "what is a panda";
const documents = [
  "hi",
  "a panda is a bear",
  "the giant panda is a bear species endemic to china",
  "pandas eat bamboo",
  "xyz",
  "what is a panda",
];

const llama = await getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const out = {
  generated_by: "tools/encoder_reference/make_rank_reference.mjs",
  llama_cpp: `node-llama-cpp ${(await import(
      new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
      {with: {type: "json"}})).default.version}, llama.cpp ${llama.llamaCppRelease?.release ?? "?"}`,
  query,
  documents,
  models: {},
};
for (const path of process.argv.slice(2)) {
  const model = await llama.loadModel({modelPath: path, gpuLayers: 0});
  const context = await model.createRankingContext({contextSize: 64, threads: 1});
  const scores = await context.rankAll(query, documents);
  out.models[basename(path)] = {
    scores,
    logits: scores.map((p) => Math.log(p / (1 - p))),
  };
  await context.dispose();
  await model.dispose();
}
const lines = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(lines.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
