// llama.cpp's greedy continuations on the tiny synthetic decoders in tests/data/decoders/, the
// reference tests/model/decoder_golden_test.cpp holds slimllm's to. llama.cpp comes from
// node-llama-cpp's prebuilt CPU binaries (bench/llamacpp); prompts are token ids, so no tokenizer
// takes part. Each step records the greedy token, its logit and its lead over the runner-up (from
// llama.cpp's raw logits). A prompt is kept only when that lead stays at least --min-margin over
// its whole continuation, so numeric noise cannot flip a token; the first --prompts such prompts
// of a fixed candidate sequence are kept, and the script fails when a model has too few. Usage:
//
//   node tools/decoder_reference/make_reference.mjs [--min-margin M] [--prompts N]
//        [--n-predict N] [--context N] FILE.gguf... > reference.json
//
// --context: llama.cpp's context size (default 256), recorded as n_ctx for the test to use the
// same (it decides which LongRoPE factors a phi3 model takes).
//
// (tests/data/decoders/README.md has the command that made the committed files.)
import {basename} from "node:path";

const {getLlama} = await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  return value;
};
const minMargin = option("--min-margin", 0.25);
const nPrompts = option("--prompts", 4);
const nPredict = option("--n-predict", 40);
const contextSize = option("--context", 256);
const maxCandidates = 5000;

// Candidate prompts, the same sequence for every model: <s> (1) then 0-23 tokens drawn from the
// byte tokens of synth_model's toy vocabulary (3..258), from a fixed-seed generator.
function* candidatePrompts() {
  let state = 20261206;
  const next = () => {  // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < maxCandidates; ++i) {
    const length = Math.floor(next() * 24);
    const prompt = [1];
    for (let j = 0; j < length; ++j) prompt.push(3 + Math.floor(next() * 256));
    yield prompt;
  }
}

// The raw logits' best token, its logit and its lead over the second best.
function top2(logits) {
  let best = -1, first = -Infinity, second = -Infinity;
  for (const [token, value] of logits) {
    if (value > first) {
      second = first;
      first = value;
      best = token;
    } else if (value > second) {
      second = value;
    }
  }
  return {best, first, margin: first - second};
}

// Greedy continuation of `prompt` in a fresh sequence: each step's token, logit and lead.
async function continuation(sequence, prompt) {
  await sequence.clearHistory();
  const run = {ids: [], tops: [], margins: []};
  let input = prompt;
  for (let step = 0; step < nPredict; ++step) {
    const items = input.map((token, i) => i + 1 < input.length ? token : [token, {
      generateNext: {token: true, logits: true, options: {temperature: 0}},
    }]);
    const result = await sequence.controlledEvaluate(items);
    const next = result[input.length - 1].next;
    const top = top2(next.logits);
    if (top.best !== next.token) {
      throw new Error(`llama.cpp's greedy token ${next.token} is not its logits' best ${top.best}`);
    }
    run.ids.push(next.token);
    run.tops.push(Number(top.first.toFixed(4)));
    run.margins.push(Number(top.margin.toFixed(4)));
    input = [next.token];
  }
  return run;
}

const llama = await getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const version = (await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
    {with: {type: "json"}})).default.version;
const out = {
  generated_by: "tools/decoder_reference/make_reference.mjs",
  llama_cpp: `node-llama-cpp ${version}, llama.cpp ${llama.llamaCppRelease?.release ?? "?"}`,
  n_predict: nPredict,
  n_ctx: contextSize,
  min_margin: minMargin,
  models: {},
};
let failed = false;
for (const path of args) {
  const model = await llama.loadModel({modelPath: path, gpuLayers: 0});
  const context = await model.createContext({contextSize, batchSize: 64, threads: 1});
  const sequence = context.getSequence();
  const entry = {prompts: [], gen_ids: [], top_logits: [], margins: []};
  let tried = 0;
  for (const prompt of candidatePrompts()) {
    if (entry.prompts.length === nPrompts) break;
    ++tried;
    const run = await continuation(sequence, prompt);
    if (Math.min(...run.margins) < minMargin) continue;
    entry.prompts.push(prompt);
    entry.gen_ids.push(run.ids);
    entry.top_logits.push(run.tops);
    entry.margins.push(run.margins);
  }
  process.stderr.write(`${basename(path)}: ${entry.prompts.length} of ${tried} prompts keep a ` +
                       `top-1/top-2 margin of at least ${minMargin}\n`);
  if (entry.prompts.length < nPrompts) failed = true;
  out.models[basename(path)] = entry;
  await context.dispose();
  await model.dispose();
}
// One line per prompt's ids, logits and margins, so a regenerated file diffs readably.
const text = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(text.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
process.exit(failed ? 1 : 0);
