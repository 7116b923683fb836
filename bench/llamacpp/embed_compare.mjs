// Embedding throughput, slimllm against llama.cpp on this CPU, side by side: for each shape
// INPUTSxTOKENS, that many random inputs embedded by each engine in alternating rounds, both with
// T threads and the weights read into memory. Prints one JSON line per engine, shape and round,
// then the medians and slimllm's ratio to llama.cpp.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   build/bin/synth_model --preset nomic-embed-text --recipe q8_0 -o /tmp/nomic-q8_0.gguf
//   node bench/llamacpp/embed_compare.mjs /tmp/nomic-q8_0.gguf [--slimllm build/slimllm]
//        [--shapes 256x40,16x500] [-b 512] [-r 3] [-t 2]
//
// llama.cpp comes from node-llama-cpp's prebuilt binaries, through its embedding context: one
// input per decode call (llama.cpp's own embedding example and Ollama's runner batch no more
// than that per sequence). slimllm runs `slimllm bench --embed`, which packs inputs into passes
// of -b tokens as its /api/embed does.
import {execFileSync} from "node:child_process";
import {getLlama} from "node-llama-cpp";

const args = process.argv.slice(2);
const option = (names, fallback) => {
  const i = args.findIndex((a) => names.includes(a));
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const slimllm = option(["--slimllm"], new URL("../../build/slimllm", import.meta.url).pathname);
const shapesText = option(["--shapes"], "256x40,16x500");
const B = Number(option(["-b", "--batch"], 512));
const R = Number(option(["-r", "--rounds"], 3));
const T = Number(option(["-t", "--threads"], 2));
const modelPath = args[0];
if (!modelPath) {
  console.error("usage: embed_compare.mjs MODEL.gguf [--slimllm PATH] [--shapes 256x40,16x500] [-b 512] [-r 3] [-t 2]");
  process.exit(2);
}
const shapes = shapesText.split(",").map((s) => s.split("x").map(Number));

const llama = await getLlama({gpu: false, build: "never", maxThreads: T, logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: false});
let seed = 11;
const randomToken = () => 5 + ((seed = (seed * 1103515245 + 12345) % 2147483648) % (model.tokens.vocabularySize ?? 50) );

async function llamaCppRound(n, len) {
  const context = await model.createEmbeddingContext({contextSize: Math.max(len + 8, 64), batchSize: Math.max(B, len), threads: T});
  const inputs = Array.from({length: n}, () => Array.from({length: len}, randomToken));
  await context.getEmbeddingFor(inputs[0].slice(0, 8));  // warm-up
  const start = performance.now();
  for (const tokens of inputs) await context.getEmbeddingFor(tokens);
  const rate = n / ((performance.now() - start) / 1000);
  await context.dispose();
  return rate;
}

function slimllmRound(n, len) {
  const out = execFileSync(slimllm, ["bench", modelPath, "--embed", `${n}x${len}`, "--batch", String(B),
                                     "-r", "1", "-t", String(T), "--json"],
                           {encoding: "utf8", stdio: ["ignore", "pipe", "ignore"]});
  const line = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))[0];
  return line.inputs_per_second;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [n, len] of shapes) {
  const runs = {"llama.cpp": [], slimllm: []};
  for (let r = 0; r < R; ++r) {
    const order = r % 2 === 0 ? ["llama.cpp", "slimllm"] : ["slimllm", "llama.cpp"];
    for (const engine of order) {
      const rate = engine === "slimllm" ? slimllmRound(n, len) : await llamaCppRound(n, len);
      runs[engine].push(rate);
      console.log(JSON.stringify({engine, shape: `${n}x${len}`, round: r, threads: T, inputs_per_second: rate,
                                  tokens_per_second: rate * len}));
    }
  }
  const l = median(runs["llama.cpp"]), s = median(runs.slimllm);
  console.log(JSON.stringify({model: modelPath, shape: `${n}x${len}`, threads: T, rounds: R, batch: B,
                              inputs_per_second_median: {llamacpp: l, slimllm: s}, ratio: s / l}));
}
