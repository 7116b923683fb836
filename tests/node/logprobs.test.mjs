// Log-probabilities end to end with the real npm clients against a real `slimllm serve` with
// stories260K: `logprobs`/`top_logprobs` on /api/generate and /api/chat (whole and streamed,
// through the 'ollama' client), and OpenAI's shapes on /v1/chat/completions and /v1/completions
// (through 'openai'). Greedy decoding makes the chosen token the most likely one, which ties the
// numbers to each other; the token texts must spell the answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, stopServer } from './server.mjs';

let Ollama;
let OpenAI;
try {
  ({ Ollama } = await import('ollama'));
  ({ default: OpenAI } = await import('openai'));
} catch (e) {
  throw new Error(`npm packages missing in tests/node: run ./scripts/setup.sh (${e.message})`);
}

const testdata = process.env.SLIMLLM_TESTDATA;
const expected = JSON.parse(readFileSync(join(testdata, 'expected', 'stories260K-once.json'), 'utf8'));
const greedy = { temperature: 0, num_predict: expected.num_predict };
const TOP = 3;

let server;
let ollama;
let openai;

before(async () => {
  server = await startServer();
  ollama = new Ollama({ host: server.host });
  openai = new OpenAI({ baseURL: `${server.host}/v1`, apiKey: 'ollama', maxRetries: 0 });
});

after(async () => {
  await stopServer(server);
});

const utf8 = (text) => [...Buffer.from(text, 'utf8')];
const isValidUtf8 = (bytes) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    return true;
  } catch {
    return false;
  }
};

// One {token, logprob, bytes} as Ollama writes it.
function checkTokenEntry(entry, where) {
  assert.equal(typeof entry.token, 'string', where);
  assert.equal(typeof entry.logprob, 'number', where);
  assert.ok(Number.isFinite(entry.logprob) && entry.logprob <= 0, `${where}: logprob ${entry.logprob}`);
  assert.ok(Array.isArray(entry.bytes), `${where}: bytes ${JSON.stringify(entry.bytes)}`);
  for (const b of entry.bytes) assert.ok(Number.isInteger(b) && b >= 0 && b <= 255, `${where}: byte ${b}`);
  // A token that is whole UTF-8 is spelled by its bytes; a piece of a character (byte fallback)
  // cannot be, so only its bytes are exact.
  if (isValidUtf8(entry.bytes)) assert.deepEqual(entry.bytes, utf8(entry.token), `${where}: bytes of ${JSON.stringify(entry.token)}`);
}

// Each position: its token, `top` alternatives sorted by probability, probabilities that add up
// to at most 1, and (greedy) the chosen token first.
function checkLogprobs(logprobs, top) {
  assert.ok(Array.isArray(logprobs) && logprobs.length > 0, JSON.stringify(logprobs));
  logprobs.forEach((entry, i) => {
    const where = `position ${i}`;
    checkTokenEntry(entry, where);
    assert.equal(entry.top_logprobs.length, top, `${where}: ${JSON.stringify(entry.top_logprobs)}`);
    entry.top_logprobs.forEach((alt, j) => {
      checkTokenEntry(alt, `${where} alternative ${j}`);
      if (j > 0) assert.ok(alt.logprob <= entry.top_logprobs[j - 1].logprob, `${where}: not sorted`);
    });
    assert.equal(new Set(entry.top_logprobs.map((a) => a.token)).size, top, `${where}: alternatives repeat`);
    const mass = entry.top_logprobs.reduce((sum, alt) => sum + Math.exp(alt.logprob), 0);
    assert.ok(mass <= 1 + 1e-5, `${where}: alternatives add up to ${mass}`);
    assert.equal(entry.logprob, entry.top_logprobs[0].logprob, `${where}: greedy choice is not the most likely`);
    assert.equal(entry.token, entry.top_logprobs[0].token, where);
  });
}

// The tokens' bytes spell the answer; their texts do too when every token is whole UTF-8.
function checkSpelling(logprobs, text, doneReason) {
  const bytes = logprobs.flatMap((e) => e.bytes);
  const spelled = Buffer.from(bytes).toString('utf8');
  if (doneReason === 'length') {
    assert.equal(spelled, text);
    if (logprobs.every((e) => isValidUtf8(e.bytes))) assert.equal(logprobs.map((e) => e.token).join(''), text);
  } else {
    // A stop string is cut from the text, not from the tokens that spelled it.
    assert.ok(spelled.startsWith(text), `${JSON.stringify(spelled)} does not start with ${JSON.stringify(text)}`);
  }
}

test('generate: logprobs with top_logprobs, greedy', async () => {
  const r = await ollama.generate({
    model: 'stories', prompt: expected.prompt, stream: false, logprobs: true, top_logprobs: TOP, options: greedy,
  });
  assert.equal(r.response, expected.gen_text);
  assert.equal(r.done_reason, 'length');
  assert.equal(r.logprobs.length, expected.num_predict);
  checkLogprobs(r.logprobs, TOP);
  checkSpelling(r.logprobs, r.response, r.done_reason);
});

test('generate: logprobs without top_logprobs', async () => {
  const r = await ollama.generate({
    model: 'stories', prompt: expected.prompt, stream: false, logprobs: true, options: greedy,
  });
  assert.equal(r.logprobs.length, expected.num_predict);
  r.logprobs.forEach((entry, i) => {
    checkTokenEntry(entry, `position ${i}`);
    assert.ok(!entry.top_logprobs || entry.top_logprobs.length === 0, JSON.stringify(entry));
  });
  const plain = await ollama.generate({ model: 'stories', prompt: expected.prompt, stream: false, options: greedy });
  assert.equal(plain.logprobs, undefined, 'no logprobs unless asked');
});

// Under a grammar the toy model has to spell non-ASCII text with byte-fallback tokens, each a
// piece of a character: the bytes of the pieces still spell the answer exactly.
test('generate: byte-fallback tokens under a format spell non-ASCII text', async () => {
  const text = '"naïve 🚀 日本"';
  const r = await ollama.generate({
    model: 'stories', prompt: expected.prompt, stream: false, logprobs: true, top_logprobs: 2,
    format: { const: JSON.parse(text) }, options: greedy,
  });
  assert.equal(r.response, text);
  assert.equal(r.done_reason, 'stop');
  r.logprobs.forEach((entry, i) => {
    checkTokenEntry(entry, `position ${i}`);
    assert.equal(entry.top_logprobs.length, 2);
  });
  assert.ok(r.logprobs.some((e) => !isValidUtf8(e.bytes)), 'some token is a piece of a character');
  checkSpelling(r.logprobs, r.response, 'length');
});

test('generate streamed: the chunks carry the same logprobs', async () => {
  const request = { model: 'stories', prompt: expected.prompt, logprobs: true, top_logprobs: TOP, options: greedy };
  const whole = await ollama.generate({ ...request, stream: false });
  const streamed = [];
  let text = '';
  let chunks = 0;
  for await (const chunk of await ollama.generate({ ...request, stream: true })) {
    chunks += 1;
    text += chunk.response;
    streamed.push(...(chunk.logprobs ?? []));
  }
  assert.ok(chunks > 2);
  assert.equal(text, whole.response);
  assert.deepEqual(streamed, whole.logprobs);
});

test('chat: logprobs with top_logprobs, whole and streamed', async () => {
  const request = {
    model: 'stories', messages: [{ role: 'user', content: expected.prompt }], logprobs: true, top_logprobs: TOP, options: greedy,
  };
  const r = await ollama.chat({ ...request, stream: false });
  assert.equal(r.message.content, expected.gen_text);
  checkLogprobs(r.logprobs, TOP);
  checkSpelling(r.logprobs, r.message.content, r.done_reason);
  const streamed = [];
  for await (const chunk of await ollama.chat({ ...request, stream: true })) streamed.push(...(chunk.logprobs ?? []));
  assert.deepEqual(streamed, r.logprobs);
});

test('openai chat completion: logprobs.content', async () => {
  const r = await openai.chat.completions.create({
    model: 'stories', messages: [{ role: 'user', content: expected.prompt }], temperature: 0,
    max_tokens: expected.num_predict, logprobs: true, top_logprobs: 2,
  });
  const { content } = r.choices[0].logprobs;
  assert.equal(content.length, expected.num_predict);
  checkLogprobs(content, 2);
  checkSpelling(content, r.choices[0].message.content, r.choices[0].finish_reason);
  // The same numbers as the native API's.
  const native = await ollama.chat({
    model: 'stories', messages: [{ role: 'user', content: expected.prompt }], stream: false,
    logprobs: true, top_logprobs: 2, options: greedy,
  });
  assert.deepEqual(content, native.logprobs);
});

test('openai chat completion streamed: logprobs in the chunks', async () => {
  const stream = await openai.chat.completions.create({
    model: 'stories', messages: [{ role: 'user', content: expected.prompt }], temperature: 0,
    max_tokens: expected.num_predict, logprobs: true, top_logprobs: 2, stream: true,
  });
  const content = [];
  let text = '';
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      content.push(...(choice.logprobs?.content ?? []));
    }
  }
  assert.equal(text, expected.gen_text);
  assert.equal(content.length, expected.num_predict);
  checkLogprobs(content, 2);
});

test('openai legacy completion: logprobs N', async () => {
  const r = await openai.completions.create({
    model: 'stories', prompt: expected.prompt, temperature: 0, max_tokens: expected.num_predict, logprobs: 2,
  });
  const choice = r.choices[0];
  assert.equal(choice.text, expected.gen_text);
  const { tokens, token_logprobs: tokenLogprobs, top_logprobs: top, text_offset: offsets } = choice.logprobs;
  assert.equal(tokens.length, expected.num_predict);
  assert.equal(tokenLogprobs.length, tokens.length);
  assert.equal(top.length, tokens.length);
  assert.equal(offsets.length, tokens.length);
  assert.equal(tokens.join(''), choice.text);
  let offset = 0;
  tokens.forEach((token, i) => {
    assert.equal(typeof token, 'string');
    assert.ok(tokenLogprobs[i] <= 0);
    // The alternatives as a map token → logprob, the chosen (greedy) one the most likely.
    const alternatives = Object.entries(top[i]);
    assert.equal(alternatives.length, 2, JSON.stringify(top[i]));
    assert.equal(top[i][token], tokenLogprobs[i], `position ${i}: ${JSON.stringify(top[i])}`);
    for (const [, logprob] of alternatives) assert.ok(logprob <= tokenLogprobs[i]);
    // Where each token starts in the text.
    assert.equal(offsets[i], offset, `text_offset ${i}`);
    offset += token.length;
  });
});
