// Embeddings through real clients against `slimllm serve` with stories260K, a generative model
// used as an embedder as Ollama allows: the npm 'ollama' client's embed (/api/embed) and
// embeddings (/api/embeddings), the 'openai' client's embeddings.create (/v1/embeddings, float
// and base64), and LangChain's OllamaEmbeddings. Same setup as ollama_client.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer } from './server.mjs';

let Ollama, OpenAI, OllamaEmbeddings;
try {
  ({ Ollama } = await import('ollama'));
  ({ default: OpenAI } = await import('openai'));
  ({ OllamaEmbeddings } = await import('@langchain/ollama'));
} catch (e) {
  throw new Error(`the npm test clients are not installed in tests/node: run ./scripts/setup.sh (${e.message})`);
}

const texts = ['Once upon a time', 'Lily went to the park.', 'The dog barked at the big red ball.'];

let server;
let ollama;
let openai;
let dim;

before(async () => {
  server = await startServer();
  ollama = new Ollama({ host: server.host });
  openai = new OpenAI({ baseURL: `${server.host}/v1`, apiKey: 'ollama', maxRetries: 0 });
  const show = await ollama.show({ model: 'stories' });
  dim = show.model_info['llama.embedding_length'];
  assert.ok(dim > 0);
});

after(async () => {
  await stopServer(server);
});

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

function assertClose(a, b, tolerance = 1e-6) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `dimension ${i}: ${a[i]} vs ${b[i]}`);
  }
}

test('ollama embed: one vector per input, L2-normalized, with counts', async () => {
  const r = await ollama.embed({ model: 'stories', input: texts });
  assert.equal(r.model, 'stories');
  assert.equal(r.embeddings.length, texts.length);
  for (const v of r.embeddings) {
    assert.equal(v.length, dim);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
  }
  assert.ok(r.prompt_eval_count > texts.length, 'every input counted, BOS included');
  assert.ok(r.total_duration > 0);
  // Batched together or alone: the same vectors.
  for (let i = 0; i < texts.length; i++) {
    const alone = await ollama.embed({ model: 'stories', input: texts[i] });
    assertClose(alone.embeddings[0], r.embeddings[i], 1e-4);
  }
  assert.notDeepEqual(r.embeddings[0], r.embeddings[1]);
});

test('ollama embed: dimensions truncates and renormalizes; truncate false refuses', async () => {
  const full = await ollama.embed({ model: 'stories', input: texts[1] });
  const short = await ollama.embed({ model: 'stories', input: texts[1], dimensions: 8 });
  assert.equal(short.embeddings[0].length, 8);
  assert.ok(Math.abs(norm(short.embeddings[0]) - 1) < 1e-5);
  const head = full.embeddings[0].slice(0, 8);
  assertClose(short.embeddings[0], head.map((x) => x / norm(head)), 1e-5);

  const long = 'Once upon a time there was a little girl. '.repeat(20);
  await assert.rejects(
    ollama.embed({ model: 'stories', input: long, truncate: false, options: { num_ctx: 32 } }),
    (e) => e.status_code === 400 && e.error === 'the input length exceeds the context length');
  const cut = await ollama.embed({ model: 'stories', input: long, options: { num_ctx: 32 } });
  assert.equal(cut.prompt_eval_count, 32);
});

test('ollama embeddings (legacy): the same vector, not normalized', async () => {
  const legacy = await ollama.embeddings({ model: 'stories', prompt: texts[0] });
  const embed = await ollama.embed({ model: 'stories', input: texts[0] });
  assert.equal(legacy.embedding.length, dim);
  assert.ok(Math.abs(norm(legacy.embedding) - 1) > 1e-3, 'raw, not unit length');
  const n = norm(legacy.embedding);
  assertClose(legacy.embedding.map((x) => x / n), embed.embeddings[0], 1e-5);
  const empty = await ollama.embeddings({ model: 'stories', prompt: '' });
  assert.deepEqual(empty.embedding, []);
});

test('openai embeddings.create: floats, base64 and the client default agree', async () => {
  const native = await ollama.embed({ model: 'stories', input: texts });
  const floats = await openai.embeddings.create({ model: 'stories', input: texts, encoding_format: 'float' });
  assert.equal(floats.object, 'list');
  assert.equal(floats.model, 'stories');
  assert.equal(floats.data.length, texts.length);
  assert.equal(floats.usage.prompt_tokens, native.prompt_eval_count);
  assert.equal(floats.usage.total_tokens, native.prompt_eval_count);
  floats.data.forEach((d, i) => {
    assert.equal(d.object, 'embedding');
    assert.equal(d.index, i);
    assertClose(d.embedding, native.embeddings[i], 1e-6);
  });

  const b64 = await openai.embeddings.create({ model: 'stories', input: texts[2], encoding_format: 'base64' });
  assert.equal(typeof b64.data[0].embedding, 'string');
  const bytes = Buffer.from(b64.data[0].embedding, 'base64');
  const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
  assertClose(decoded, native.embeddings[2], 1e-6);

  // Without encoding_format the client asks for base64 and decodes it itself.
  const byDefault = await openai.embeddings.create({ model: 'stories', input: texts[2] });
  assertClose(byDefault.data[0].embedding, native.embeddings[2], 1e-6);

  const short = await openai.embeddings.create({ model: 'stories', input: texts[0], dimensions: 4, encoding_format: 'float' });
  assert.equal(short.data[0].embedding.length, 4);
});

test('openai embeddings.create: a bad encoding_format is a 400 in OpenAI\'s words', async () => {
  await assert.rejects(
    openai.embeddings.create({ model: 'stories', input: 'x', encoding_format: 'int8' }),
    (e) => e.status === 400 &&
      e.error?.message === "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].");
});

test('LangChain OllamaEmbeddings: embedQuery and embedDocuments', async () => {
  // truncate false is LangChain's default; these texts fit.
  const embeddings = new OllamaEmbeddings({ model: 'stories', baseUrl: server.host });
  const native = await ollama.embed({ model: 'stories', input: texts });
  const query = await embeddings.embedQuery(texts[1]);
  assertClose(query, native.embeddings[1], 1e-6);
  const docs = await embeddings.embedDocuments(texts);
  assert.equal(docs.length, texts.length);
  docs.forEach((v, i) => assertClose(v, native.embeddings[i], 1e-6));
});
