// llama.cpp's greedy continuation of stories260K long enough that the model emits its control
// token <s> (id 1, a new story) mid-text: the golden tests/data/models/stories260K-control.json
// that tests/engine/control_token_test.cpp and tests/server/real_model_test.cpp hold slimllm's
// generation and rendering to. llama.cpp comes from node-llama-cpp's prebuilt CPU binaries
// (bench/llamacpp). The prompt is tokenized with BOS, as Ollama's runner does; each step is greedy
// on the raw logits and does not stop at <s> (which is no end-of-generation token); the smallest
// top-1/top-2 logit lead over the run is recorded. gen_text is llama.cpp's text for the generated
// ids with control tokens spelled out (detokenize of prompt and continuation with special tokens,
// minus that of the prompt), as Ollama streams it. Usage:
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   node tools/tokenizer_reference/make_control_golden.mjs ../shared/testdata/models/stories260K.gguf \
//     "The cat" 220 > tests/data/models/stories260K-control.json
const {getLlama} = await import(
    new URL("../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

const [path, prompt, nPredictText] = process.argv.slice(2);
const nPredict = Number(nPredictText);
const llama = await getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error"});
const model = await llama.loadModel({modelPath: path, gpuLayers: 0});
const context = await model.createContext({contextSize: 512, batchSize: 64, threads: 1});
const sequence = context.getSequence();

const promptIds = [model.tokens.bos, ...Array.from(model.tokenize(prompt, false))];
const genIds = [];
let minMargin = Infinity;
let input = promptIds;
for (let step = 0; step < nPredict; ++step) {
  const items = input.map((token, i) => i + 1 < input.length ? token : [token, {
    generateNext: {token: true, logits: true, options: {temperature: 0}},
  }]);
  const result = await sequence.controlledEvaluate(items);
  const next = result[input.length - 1].next;
  let first = -Infinity, second = -Infinity, best = -1;
  for (const [token, value] of next.logits) {
    if (value > first) {
      second = first;
      first = value;
      best = token;
    } else if (value > second) {
      second = value;
    }
  }
  if (best !== next.token) throw new Error(`greedy token ${next.token} is not the best ${best}`);
  minMargin = Math.min(minMargin, first - second);
  genIds.push(next.token);
  input = [next.token];
}
const full = model.detokenize([...promptIds, ...genIds], true);
const head = model.detokenize(promptIds, true);
if (!full.startsWith(head)) throw new Error("the prompt's text is not a prefix of the whole text");
const out = {
  generated_by: "tools/tokenizer_reference/make_control_golden.mjs",
  llama_cpp: `node-llama-cpp ${(await import(
      new URL("../../bench/llamacpp/node_modules/node-llama-cpp/package.json", import.meta.url),
      {with: {type: "json"}})).default.version}`,
  prompt,
  num_predict: nPredict,
  min_margin: Number(minMargin.toFixed(4)),
  prompt_ids: promptIds,
  gen_ids: genIds,
  gen_text: full.slice(head.length),
};
const text = JSON.stringify(out, (key, value) =>
    Array.isArray(value) && value.every((v) => typeof v === "number") ? JSON.stringify(value) : value, 1);
process.stdout.write(text.replace(/"(\[[^"]*\])"/g, "$1") + "\n");
