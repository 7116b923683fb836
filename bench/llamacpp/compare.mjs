// slimllm against llama.cpp on this CPU, side by side: the two take turns on the same GGUF file,
// each round a prompt of P tokens as one batch, then N tokens generated greedily, both engines
// with T threads and the weights read into memory. Prints one JSON line per engine and round,
// then the median of each and slimllm's ratio to llama.cpp.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   node bench/llamacpp/compare.mjs MODEL.gguf [--slimllm build/slimllm] [-p 512] [-n 64] [-r 3] [-t 2]
//
// llama.cpp comes from node-llama-cpp's prebuilt binaries for linux-x64 (ggml picks its CPU
// backend at run time, as slimllm does). Its generation goes through node-llama-cpp's greedy
// sampler and one call per token from JavaScript, a fraction of a millisecond against tens of
// milliseconds per token.
import {execFileSync} from "node:child_process";
import {getLlama} from "node-llama-cpp";

const args = process.argv.slice(2);
const option = (names, fallback) => {
  const i = args.findIndex((a) => names.includes(a));
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const slimllm = option(["--slimllm"], new URL("../../build/slimllm", import.meta.url).pathname);
const P = Number(option(["-p", "--prompt-tokens"], 512));
const N = Number(option(["-n", "--gen-tokens"], 64));
const R = Number(option(["-r", "--rounds"], 3));
const T = Number(option(["-t", "--threads"], 2));
const modelPath = args[0];
if (!modelPath) {
  console.error("usage: compare.mjs MODEL.gguf [--slimllm PATH] [-p 512] [-n 64] [-r 3] [-t 2]");
  process.exit(2);
}

const llama = await getLlama({gpu: false, build: "never", maxThreads: T, logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: false});
let seed = 7;
const randomToken = () => 1000 + ((seed = (seed * 1103515245 + 12345) % 2147483648) % 20000);

async function llamaCppRound() {
  const context = await model.createContext({contextSize: P + N + 8, batchSize: Math.max(P, 1), threads: T});
  const seq = context.getSequence();
  const tokens = Array.from({length: Math.max(P, 1)}, randomToken);
  let start = performance.now();
  await seq.evaluateWithoutGeneratingNewTokens(tokens);
  const pp = tokens.length / ((performance.now() - start) / 1000);
  let count = 0;
  start = performance.now();
  for await (const _ of seq.evaluate([tokens.at(-1)], {temperature: 0})) {
    if (++count >= N) break;
  }
  const tg = count / ((performance.now() - start) / 1000);
  await context.dispose();
  return {pp, tg};
}

function slimllmRound() {
  const out = execFileSync(slimllm, ["bench", modelPath, "-p", String(P), "-n", String(N), "-r", "1",
                                     "-t", String(T), "--json", "--no-bandwidth"],
                           {encoding: "utf8", stdio: ["ignore", "pipe", "ignore"]});
  const lines = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  return {pp: lines.find((j) => j.test.startsWith("pp")).tokens_per_second,
          tg: lines.find((j) => j.test.startsWith("tg")).tokens_per_second,
          kernels: lines[0].kernels};
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const runs = {"llama.cpp": [], slimllm: []};
for (let r = 0; r < R; ++r) {
  // Alternate which engine goes first, so neither always meets the machine right after the other.
  const order = r % 2 === 0 ? ["llama.cpp", "slimllm"] : ["slimllm", "llama.cpp"];
  for (const engine of order) {
    const result = engine === "slimllm" ? slimllmRound() : await llamaCppRound();
    runs[engine].push(result);
    console.log(JSON.stringify({engine, round: r, threads: T, [`pp${P}`]: result.pp, [`tg${N}`]: result.tg,
                                ...(result.kernels ? {kernels: result.kernels} : {})}));
  }
}
const summary = {};
for (const [engine, list] of Object.entries(runs)) {
  summary[engine] = {pp: median(list.map((x) => x.pp)), tg: median(list.map((x) => x.tg))};
}
console.log(JSON.stringify({model: modelPath, threads: T, rounds: R,
                            [`pp${P}_median`]: {llamacpp: summary["llama.cpp"].pp, slimllm: summary.slimllm.pp},
                            [`tg${N}_median`]: {llamacpp: summary["llama.cpp"].tg, slimllm: summary.slimllm.tg},
                            pp_ratio: summary.slimllm.pp / summary["llama.cpp"].pp,
                            tg_ratio: summary.slimllm.tg / summary["llama.cpp"].tg}));
