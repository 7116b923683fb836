// Serving benchmark (not a test): many users on one model through the HTTP API.
//
// 1. Concurrent streams: for each S in --streams, S clients each send their own ~100-token raw
//    prompt to /api/generate at once (streaming, greedy, num_predict N) and read the stream.
//    Reports the aggregate generated tokens/s (all tokens / wall time), time to first token
//    and inter-token latency (p50/p95) over the streams.
// 2. Chat replay (--chat): a 10-turn conversation through /api/chat, each turn's answer
//    appended to the history, time to first token per turn; then the same conversation with a
//    new nonce at the head of the system prompt every turn, so no cached prefix can be reused
//    (the cold figure).
// 3. llama.cpp side by side (--llamacpp): the same prompts through node-llama-cpp (real llama.cpp,
//    bench/llamacpp's package) in one context with S sequences evaluated concurrently, which
//    llama.cpp decodes as one batch.
//
//   (cd bench/llamacpp && npm install --omit=optional --no-audit --no-fund)
//   node bench/serving/serving.mjs MODEL.gguf [--slimllm build/slimllm] [--streams 1,2,4,8]
//        [-n 128] [-t 2] [--chat] [--llamacpp] [--parallel 8]
//
// It starts `slimllm serve` on a free port with a scratch store (OLLAMA_MODELS in a temporary
// folder; `slimllm create` copies the model into it) and stops it at the end.
import {spawn, execFileSync} from "node:child_process";
import {mkdtempSync, writeFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import net from "node:net";

const args = process.argv.slice(2);
const option = (names, fallback) => {
  const i = args.findIndex((a) => names.includes(a));
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const flag = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const slimllm = option(["--slimllm"], new URL("../../build/slimllm", import.meta.url).pathname);
const streams = option(["--streams"], "1,2,4,8").split(",").map(Number);
const N = Number(option(["-n"], 128));
const T = Number(option(["-t"], 2));
const parallel = Number(option(["--parallel"], Math.max(...streams)));
const numCtx = Number(option(["--num-ctx"], 1024));
const chat = flag("--chat");
const llamacpp = flag("--llamacpp");
const skipSlimllm = flag("--no-slimllm");
const modelPath = args[0] && path.resolve(args[0]);
if (!modelPath) {
  console.error("usage: serving.mjs MODEL.gguf [--slimllm PATH] [--streams 1,2,4,8] [-n 128] [-t 2] " +
                "[--chat] [--llamacpp] [--no-slimllm] [--parallel 8] [--num-ctx 1024]");
  process.exit(2);
}

const words = ("the quick brown fox jumps over a lazy dog while seven wizards quietly judge " +
               "boxing matches near old river banks under grey autumn skies").split(" ");
// About 100 tokens, different for each stream from the first words on.
const promptOf = (i) => {
  const out = [`Request ${i}:`];
  for (let k = 0; k < 90; ++k) out.push(words[(k * 7 + i * 13 + k * k * (i + 1)) % words.length]);
  return out.join(" ");
};
const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => Math.round(x * 10) / 10;

async function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Reads an NDJSON stream, calling onLine for each object.
async function ndjson(res, onLine) {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, {stream: true});
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) onLine(JSON.parse(line));
    }
  }
}

async function startServer() {
  const port = await freePort();
  const store = mkdtempSync(path.join(tmpdir(), "slimllm-serving-"));
  const env = {...process.env, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: store,
               OLLAMA_NUM_PARALLEL: String(parallel), OLLAMA_KEEP_ALIVE: "-1",
               OLLAMA_CONTEXT_LENGTH: String(numCtx)};
  const proc = spawn(slimllm, ["serve"], {env, stdio: ["ignore", "ignore", "pipe"]});
  let log = "";
  proc.stderr.on("data", (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; ++i) {
    try {
      if ((await fetch(base + "/")).ok) break;
    } catch {}
    if (i > 200) throw new Error("server did not start:\n" + log);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Llama 3's chat format, so the system prompt (and the cold run's nonce in it) is part of the
  // prompt whatever template the synthetic file carries.
  const template = "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n" +
                   "{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n";
  writeFileSync(path.join(store, "Modelfile"), `FROM ${modelPath}\nTEMPLATE """${template}"""\n`);
  execFileSync(slimllm, ["create", "bench", "-f", path.join(store, "Modelfile")],
               {env, stdio: ["ignore", "ignore", "inherit"]});
  return {base, stop: () => { proc.kill("SIGTERM"); rmSync(store, {recursive: true, force: true}); }};
}

const options = {temperature: 0, num_predict: N, num_thread: T, num_ctx: numCtx, seed: 1};

// One streaming generation: its token times (ms from the request), tokens generated.
async function stream(base, prompt) {
  const start = performance.now();
  const times = [];
  let count = 0;
  const res = await fetch(base + "/api/generate", {
    method: "POST",
    body: JSON.stringify({model: "bench", prompt, raw: true, stream: true, options}),
  });
  await ndjson(res, (j) => {
    if (j.error) throw new Error(j.error);
    if (j.response) times.push(performance.now() - start);
    if (j.done) count = j.eval_count;
  });
  return {start, end: performance.now(), times, count};
}

function summarize(engine, s, results) {
  const first = Math.min(...results.map((r) => r.start));
  const last = Math.max(...results.map((r) => r.end));
  const tokens = results.reduce((a, r) => a + r.count, 0);
  const ttft = results.map((r) => r.times[0]);
  const itl = results.flatMap((r) => r.times.slice(1).map((t, i) => t - r.times[i]));
  const row = {engine, streams: s, tokens, aggregate_tps: Math.round(tokens / ((last - first) / 1000) * 100) / 100,
               ttft_p50_ms: ms(pct(ttft, 50)), ttft_p95_ms: ms(pct(ttft, 95)),
               itl_p50_ms: ms(pct(itl, 50)), itl_p95_ms: ms(pct(itl, 95))};
  console.log(JSON.stringify(row));
  return row;
}

async function chatReplay(base, cold) {
  const system = "You are a careful assistant. Answer briefly, in plain words, and keep to the " +
                 "facts the user gives you about their garden, their tools and the weather.";
  const messages = [];
  const ttfts = [];
  for (let turn = 1; turn <= 10; ++turn) {
    const nonce = cold ? `[session ${turn}-${Math.random().toString(36).slice(2)}] ` : "";
    messages.push({role: "user", content: promptOf(100 + turn).slice(0, 160)});
    const start = performance.now();
    let first = null, answer = "";
    const res = await fetch(base + "/api/chat", {
      method: "POST",
      body: JSON.stringify({model: "bench", stream: true,
                            messages: [{role: "system", content: nonce + system}, ...messages],
                            options: {...options, num_predict: 32}}),
    });
    await ndjson(res, (j) => {
      if (j.error) throw new Error(j.error);
      if (j.message?.content) {
        if (first === null) first = performance.now() - start;
        answer += j.message.content;
      }
    });
    messages.push({role: "assistant", content: answer});
    ttfts.push(ms(first ?? NaN));
  }
  console.log(JSON.stringify({engine: "slimllm", chat: cold ? "cold (no cached prefix)" : "prompt cache",
                              ttft_ms_per_turn: ttfts, turn10_over_turn1: Math.round(ttfts[9] / ttfts[0] * 100) / 100}));
}

async function llamaCppStreams() {
  const {getLlama} = await import(new URL("../llamacpp/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
  const llama = await getLlama({gpu: false, build: "never", maxThreads: T, logLevel: "error"});
  const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: false});
  for (const s of streams) {
    const context = await model.createContext({contextSize: s * (128 + N + 16), sequences: s,
                                               batchSize: 512, threads: T});
    const run = async (i) => {
      const seq = context.getSequence();
      const tokens = model.tokenize(promptOf(i));
      const start = performance.now();
      const times = [];
      for await (const _ of seq.evaluate(tokens, {temperature: 0})) {
        times.push(performance.now() - start);
        if (times.length >= N) break;
      }
      return {start, end: performance.now(), times, count: times.length};
    };
    const results = await Promise.all(Array.from({length: s}, (_, i) => run(i)));
    summarize("llama.cpp", s, results);
    await context.dispose();
  }
  await model.dispose();
}

if (!skipSlimllm) {
  const server = await startServer();
  try {
    await stream(server.base, "warm up");  // loads the model
    for (const s of streams) {
      const results = await Promise.all(Array.from({length: s}, (_, i) => stream(server.base, promptOf(i))));
      summarize("slimllm", s, results);
      if (process.env.SERVING_METRICS) {
        const text = await (await fetch(server.base + "/metrics")).text();
        console.log(text.split("\n").filter((l) => l.startsWith("slimllm_batch")).join("\n"));
      }
    }
    if (chat) {
      await chatReplay(server.base, false);
      await chatReplay(server.base, true);
    }
  } finally {
    server.stop();
  }
}
if (llamacpp) await llamaCppStreams();
