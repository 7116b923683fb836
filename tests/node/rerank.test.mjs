// Reranking against `slimllm serve`: a tiny synthetic reranker (tests/data/encoders/
// bert-f32-rank.gguf, created through the CLI) on /api/rerank and /v1/rerank, with llama.cpp's
// scores for the same query and documents (rank_reference.json) as the oracle, in the shape
// rerank clients (Jina/Cohere/llama.cpp's server) read; and the capability checks around it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, stopServer } from './server.mjs';

const data = process.env.SLIMLLM_DATA;
const reference = JSON.parse(readFileSync(join(data, 'encoders', 'rank_reference.json'), 'utf8'));
const expected = reference.models['bert-f32-rank.gguf'].scores;
const { query, documents } = reference;

let server;

before(async () => {
  assert.ok(data, 'SLIMLLM_DATA must be set (ctest sets it)');
  server = await startServer();
  const modelfile = join(server.dir, 'Modelfile.rerank');
  writeFileSync(modelfile, `FROM ${join(data, 'encoders', 'bert-f32-rank.gguf')}\n`);
  const created = spawnSync(process.env.SLIMLLM_BINARY, ['create', 'reranker', '-f', modelfile],
    { env: { ...process.env, OLLAMA_HOST: server.host }, encoding: 'utf8' });
  assert.equal(created.status, 0, `slimllm create failed:\n${created.stdout}${created.stderr}`);
});

after(async () => {
  await stopServer(server);
});

async function post(path, body) {
  const res = await fetch(`${server.host}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

for (const path of ['/api/rerank', '/v1/rerank']) {
  test(`${path}: llama.cpp's scores, best first, with usage`, async () => {
    const r = await post(path, { model: 'reranker', query, documents });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.model, 'reranker');
    assert.equal(r.body.object, 'list');
    assert.equal(r.body.results.length, documents.length);
    const seen = new Set();
    let previous = Infinity;
    for (const item of r.body.results) {
      assert.ok(item.relevance_score <= previous, 'sorted by descending score');
      previous = item.relevance_score;
      seen.add(item.index);
      assert.ok(Math.abs(item.relevance_score - expected[item.index]) < 2.5e-3,
        `document ${item.index}: ${item.relevance_score} vs llama.cpp's ${expected[item.index]}`);
      assert.ok(Math.abs(1 / (1 + Math.exp(-item.relevance_logit)) - item.relevance_score) < 1e-6);
      assert.equal(item.document, undefined, 'documents only when asked');
    }
    assert.equal(seen.size, documents.length);
    const best = expected.indexOf(Math.max(...expected));
    assert.equal(r.body.results[0].index, best);
    assert.ok(r.body.usage.prompt_tokens > 0);
    assert.equal(r.body.usage.total_tokens, r.body.usage.prompt_tokens);
  });
}

test('top_n, return_documents and {"text"} documents', async () => {
  const r = await post('/v1/rerank', {
    model: 'reranker', query, top_n: 2, return_documents: true,
    documents: documents.map((text) => ({ text })),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.results.length, 2);
  for (const item of r.body.results) assert.equal(item.document.text, documents[item.index]);
  const all = await post('/api/rerank', { model: 'reranker', query, documents });
  assert.deepEqual(r.body.results.map((x) => x.index), all.body.results.slice(0, 2).map((x) => x.index));
});

test('a reranker shows the rerank capability and has no embeddings', async () => {
  const show = await post('/api/show', { model: 'reranker' });
  assert.deepEqual(show.body.capabilities, ['rerank']);
  const embed = await post('/api/embed', { model: 'reranker', input: 'a b' });
  assert.equal(embed.status, 400);
  assert.match(embed.body.error, /reranker/);
  const chat = await post('/api/chat', { model: 'reranker', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(chat.status, 400);
});

test('errors: a model that cannot rerank, bad bodies, each API in its own shape', async () => {
  const native = await post('/api/rerank', { model: 'stories', query, documents });
  assert.equal(native.status, 400);
  assert.equal(native.body.error, '"stories" does not support reranking');
  const openai = await post('/v1/rerank', { model: 'stories', query, documents });
  assert.equal(openai.status, 400);
  assert.equal(openai.body.error.message, '"stories" does not support reranking');
  assert.equal(openai.body.error.type, 'api_error');  // as every /v1 route answers a handler's error
  const missing = await post('/api/rerank', { model: 'reranker', documents });
  assert.deepEqual([missing.status, missing.body.error], [400, 'query is required']);
  const empty = await post('/api/rerank', { model: 'reranker', query, documents: [] });
  assert.equal(empty.status, 400);
  const badTopN = await post('/api/rerank', { model: 'reranker', query, documents, top_n: 0 });
  assert.deepEqual([badTopN.status, badTopN.body.error], [400, 'top_n must be at least 1']);
  const unknown = await post('/api/rerank', { model: 'nope', query, documents });
  assert.equal(unknown.status, 404);
  const long = await post('/api/rerank', {
    model: 'reranker', query, documents: ['a '.repeat(200)], truncate: false,
  });
  assert.deepEqual([long.status, long.body.error], [400, 'the input length exceeds the context length']);
  const cut = await post('/api/rerank', { model: 'reranker', query, documents: ['a '.repeat(200)] });
  assert.equal(cut.status, 200);
});
