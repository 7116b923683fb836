// The npm 'openai' client against slimllm's OpenAI-compatible /v1 API: models, chat completions
// whole and streamed (with usage), legacy completions, and an error, on a real `slimllm serve`
// with stories260K. Same setup as ollama_client.test.mjs (see there).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, stopServer } from './server.mjs';

let OpenAI;
try {
  ({ default: OpenAI } = await import('openai'));
} catch (e) {
  throw new Error(`the npm package 'openai' is not installed in tests/node: run ./scripts/setup.sh (${e.message})`);
}

const testdata = process.env.SLIMLLM_TESTDATA;
const expected = JSON.parse(readFileSync(join(testdata, 'expected', 'stories260K-once.json'), 'utf8'));

let server;
let client;

before(async () => {
  server = await startServer();
  client = new OpenAI({ baseURL: `${server.host}/v1`, apiKey: 'ollama', maxRetries: 0 });
});

after(async () => {
  await stopServer(server);
});

test('models', async () => {
  const page = await client.models.list();
  const ids = page.data.map((m) => m.id);
  assert.deepEqual(ids, ['stories:latest']);
  const m = await client.models.retrieve('stories');
  assert.equal(m.id, 'stories');
  assert.equal(m.owned_by, 'library');
});

test('chat completion: greedy text equals llama.cpp\'s', async () => {
  const r = await client.chat.completions.create({
    model: 'stories', temperature: 0, max_tokens: expected.num_predict,
    messages: [{ role: 'user', content: expected.prompt }],
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.choices[0].message.content, expected.gen_text);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, expected.num_predict);
  assert.equal(r.usage.prompt_tokens, expected.prompt_ids.length);
});

test('chat completion streamed, with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'stories', temperature: 0, max_tokens: expected.num_predict, stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: expected.prompt }],
  });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  assert.equal(text, expected.gen_text);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, expected.num_predict);
});

test('legacy completion', async () => {
  const r = await client.completions.create({
    model: 'stories', prompt: expected.prompt, temperature: 0, max_tokens: expected.num_predict,
  });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].text, expected.gen_text);
});

test('an unknown model is a NotFoundError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && /model 'nope' not found/.test(e.message),
  );
});

test('chat completion: max_completion_tokens limits the answer', async () => {
  const r = await client.chat.completions.create({
    model: 'stories', temperature: 0, max_completion_tokens: 3,
    messages: [{ role: 'user', content: expected.prompt }],
  });
  assert.equal(r.usage.completion_tokens, 3);
  assert.equal(r.choices[0].finish_reason, 'length');
});

test('responses: greedy text equals the chat completion\'s', async () => {
  const r = await client.responses.create({
    model: 'stories', input: expected.prompt, temperature: 0, max_output_tokens: expected.num_predict,
  });
  assert.equal(r.object, 'response');
  assert.match(r.id, /^resp_/);
  assert.equal(r.status, 'completed');
  assert.equal(r.output[0].type, 'message');
  assert.equal(r.output[0].role, 'assistant');
  assert.equal(r.output[0].content[0].type, 'output_text');
  assert.equal(r.output_text, expected.gen_text);  // the client's own concatenation
  assert.equal(r.usage.output_tokens, expected.num_predict);
  assert.equal(r.usage.input_tokens, expected.prompt_ids.length);
});

test('responses streamed: typed events, deltas add up to the text', async () => {
  const stream = await client.responses.create({
    model: 'stories', temperature: 0, max_output_tokens: expected.num_predict, stream: true,
    instructions: '', input: [{ role: 'user', content: [{ type: 'input_text', text: expected.prompt }] }],
  });
  const types = [];
  let text = '';
  let completed;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') text += event.delta;
    if (event.type === 'response.completed') completed = event.response;
  }
  assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress',
    'response.output_item.added', 'response.content_part.added']);
  assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done',
    'response.output_item.done', 'response.completed']);
  assert.equal(text, expected.gen_text);
  assert.equal(completed.output[0].content[0].text, expected.gen_text);
});

test('responses: an unknown model is a NotFoundError', async () => {
  await assert.rejects(
    client.responses.create({ model: 'nope', input: 'x' }),
    (e) => e.status === 404 && /model 'nope' not found/.test(e.message),
  );
});
