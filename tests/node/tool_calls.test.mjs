// Tool calls end to end with the real npm clients ('openai', 'ollama', LangChain) against a real
// `slimllm serve`. The toy stories260K never calls a tool on its own, so every call here is
// forced (tool_choice "required" or a named function): a grammar in the template's call format
// whose arguments follow the tool's parameter schema. What the clients get back is then the
// server's parse of that text, in each API's shape; ajv checks the arguments against the schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer } from './server.mjs';
import { assertValid, parseJson } from './validator.mjs';

let Ollama;
let OpenAI;
let ChatOllama;
let ChatOpenAI;
try {
  ({ Ollama } = await import('ollama'));
  ({ default: OpenAI } = await import('openai'));
  ({ ChatOllama } = await import('@langchain/ollama'));
  ({ ChatOpenAI } = await import('@langchain/openai'));
} catch (e) {
  throw new Error(`npm packages missing in tests/node: run ./scripts/setup.sh (${e.message})`);
}

// Qwen2.5's template as Ollama ships it: its tool-call prefix is <tool_call>.
const here = dirname(fileURLToPath(import.meta.url));
const QWEN_TEMPLATE = readFileSync(join(here, '..', 'data', 'templates', 'qwen2.5.gotmpl'), 'utf8');
const MODEL = 'stories-tools';

// Bounded arguments (maxLength, enums, ranges), so a forced call always finishes.
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', maxLength: 20 },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['city', 'unit'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      description: 'Add two integers',
      parameters: {
        type: 'object',
        properties: { a: { type: 'integer', minimum: -1000, maximum: 1000 }, b: { type: 'integer', minimum: -1000, maximum: 1000 } },
        required: ['a', 'b'],
        additionalProperties: false,
      },
    },
  },
];
const parametersOf = (name) => {
  const tool = TOOLS.find((t) => t.function.name === name);
  assert.ok(tool, `the call names an unknown tool ${JSON.stringify(name)}`);
  return tool.function.parameters;
};
const MESSAGES = [{ role: 'user', content: 'What is the weather in Paris, and what is 2 + 3?' }];
const SEEDS = [1, 2, 3];

let server;
let ollama;
let openai;

before(async () => {
  server = await startServer();
  ollama = new Ollama({ host: server.host });
  openai = new OpenAI({ baseURL: `${server.host}/v1`, apiKey: 'ollama', maxRetries: 0 });
  // The same weights under a template that renders tools (the `create` a user would do).
  const created = await ollama.create({ model: MODEL, from: 'stories', template: QWEN_TEMPLATE });
  assert.equal(created.status, 'success');
  const shown = await ollama.show({ model: MODEL });
  assert.ok(shown.capabilities.includes('tools'), `capabilities ${JSON.stringify(shown.capabilities)}`);
});

after(async () => {
  await stopServer(server);
});

// One OpenAI tool call: type, a known name, arguments as a JSON string that validates.
function checkOpenAICall(call, expectedName) {
  assert.equal(call.type, 'function');
  assert.equal(typeof call.id, 'string');
  assert.ok(call.id.length > 0);
  if (expectedName) assert.equal(call.function.name, expectedName);
  assert.equal(typeof call.function.arguments, 'string');
  assertValid(parametersOf(call.function.name), parseJson(call.function.arguments), call.function.arguments);
}

test('openai: tool_choice "required" forces a call of one of the tools', async () => {
  const names = new Set();
  for (const seed of SEEDS) {
    const r = await openai.chat.completions.create({
      model: MODEL, messages: MESSAGES, tools: TOOLS, tool_choice: 'required', temperature: 1, seed, max_tokens: 300,
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.role, 'assistant');
    assert.ok(choice.message.tool_calls.length >= 1, JSON.stringify(choice.message));
    for (const call of choice.message.tool_calls) checkOpenAICall(call);
    names.add(choice.message.tool_calls[0].function.name);
    // The call is not repeated as text.
    assert.ok(!(choice.message.content ?? '').includes('<tool_call>'), JSON.stringify(choice.message.content));
  }
  assert.ok(names.size >= 1);
});

test('openai: a named tool_choice forces that function', async () => {
  for (const name of ['get_weather', 'add']) {
    for (const seed of SEEDS) {
      const r = await openai.chat.completions.create({
        model: MODEL, messages: MESSAGES, tools: TOOLS, temperature: 1, seed, max_tokens: 300,
        tool_choice: { type: 'function', function: { name } },
      });
      assert.equal(r.choices[0].finish_reason, 'tool_calls');
      const calls = r.choices[0].message.tool_calls;
      assert.ok(calls.length >= 1);
      for (const call of calls) checkOpenAICall(call, name);
    }
  }
});

test('openai: streamed tool calls reassemble into the same calls', async () => {
  const request = {
    model: MODEL, messages: MESSAGES, tools: TOOLS, temperature: 1, seed: 4, max_tokens: 300,
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
  };
  const whole = await openai.chat.completions.create(request);
  const stream = await openai.chat.completions.create({ ...request, stream: true });
  const calls = [];  // by index, as OpenAI streams them: id/type/name once, arguments in pieces
  let finish = null;
  let content = '';
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      for (const delta of choice.delta.tool_calls ?? []) {
        assert.equal(typeof delta.index, 'number');
        const call = (calls[delta.index] ??= { id: '', type: '', function: { name: '', arguments: '' } });
        if (delta.id) call.id = delta.id;
        if (delta.type) call.type = delta.type;
        call.function.name += delta.function?.name ?? '';
        call.function.arguments += delta.function?.arguments ?? '';
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(content, '');
  assert.ok(calls.length >= 1);
  for (const call of calls) checkOpenAICall(call, 'get_weather');
  // Same seed, same sampling: the streamed calls are the whole answer's (ids aside).
  const strip = (c) => ({ type: c.type, function: { name: c.function.name, arguments: JSON.parse(c.function.arguments) } });
  assert.deepEqual(calls.map(strip), whole.choices[0].message.tool_calls.map(strip));
});

test('openai: tool_choice "none" gives no tool calls', async () => {
  const r = await openai.chat.completions.create({
    model: MODEL, messages: MESSAGES, tools: TOOLS, tool_choice: 'none', temperature: 0, max_tokens: 20,
  });
  const choice = r.choices[0];
  assert.ok(!choice.message.tool_calls || choice.message.tool_calls.length === 0, JSON.stringify(choice.message));
  assert.notEqual(choice.finish_reason, 'tool_calls');
  assert.ok(choice.message.content.length > 0);
});

test('ollama: chat with tool_choice "required" (extension field) returns message.tool_calls', async () => {
  for (const seed of SEEDS) {
    // The npm client sends the request object as is, so the extension reaches the server.
    const r = await ollama.chat({
      model: MODEL, messages: MESSAGES, tools: TOOLS, tool_choice: 'required', stream: false,
      options: { temperature: 1, seed, num_predict: 300 },
    });
    assert.equal(r.message.role, 'assistant');
    const calls = r.message.tool_calls;
    assert.ok(Array.isArray(calls) && calls.length >= 1, JSON.stringify(r.message));
    calls.forEach((call, i) => {
      assert.equal(typeof call.function.name, 'string');
      assert.equal(call.function.index, i);
      assert.equal(typeof call.function.arguments, 'object');
      assertValid(parametersOf(call.function.name), call.function.arguments);
    });
    assert.equal(r.message.content, '');
  }
});

test('ollama: streamed chat with a named tool_choice', async () => {
  const calls = [];
  let content = '';
  for await (const chunk of await ollama.chat({
    model: MODEL, messages: MESSAGES, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'add' } },
    stream: true, options: { temperature: 1, seed: 2, num_predict: 300 },
  })) {
    content += chunk.message.content;
    calls.push(...(chunk.message.tool_calls ?? []));
  }
  assert.equal(content, '');
  assert.ok(calls.length >= 1);
  for (const call of calls) {
    assert.equal(call.function.name, 'add');
    assertValid(parametersOf('add'), call.function.arguments);
  }
});

// @langchain/openai's ChatOpenAI passes tool_choice on, and reads OpenAI's tool_calls back into
// AIMessage.tool_calls (name, args parsed from the JSON string, id).
test('LangChain ChatOpenAI bindTools with tool_choice "required"', async () => {
  const llm = new ChatOpenAI({
    model: MODEL, apiKey: 'ollama', temperature: 1, maxTokens: 300, maxRetries: 0,
    configuration: { baseURL: `${server.host}/v1` },
  });
  for (const seed of SEEDS) {
    const result = await llm.bindTools(TOOLS, { tool_choice: 'required', seed }).invoke(MESSAGES[0].content);
    assert.ok(result.tool_calls.length >= 1, JSON.stringify(result));
    for (const call of result.tool_calls) {
      assert.equal(typeof call.id, 'string');
      assertValid(parametersOf(call.name), call.args);
    }
    assert.deepEqual(result.invalid_tool_calls ?? [], []);
  }
  const named = await llm.bindTools(TOOLS, { tool_choice: 'add' }).invoke(MESSAGES[0].content);
  assert.equal(named.tool_calls[0].name, 'add');
  assertValid(parametersOf('add'), named.tool_calls[0].args);
});

// @langchain/ollama's ChatOllama builds its request from a fixed list of fields and drops
// tool_choice (its bindTools kwargs never reach the body), so it cannot force a call. Its
// reading of /api/chat tool calls is exercised by adding the extension field to the request it
// sends, through the fetch it lets callers supply.
test('LangChain ChatOllama bindTools reads /api/chat tool calls', async () => {
  let sent;
  const withToolChoice = async (url, init) => {
    const body = JSON.parse(init.body);
    sent = body;
    return fetch(url, { ...init, body: JSON.stringify({ ...body, tool_choice: 'required' }) });
  };
  const llm = new ChatOllama({ baseUrl: server.host, model: MODEL, temperature: 1, seed: 3, numPredict: 300, fetch: withToolChoice });
  const result = await llm.bindTools(TOOLS, { tool_choice: 'required' }).invoke(MESSAGES[0].content);
  assert.equal(sent.tool_choice, undefined, 'ChatOllama now passes tool_choice: drop the fetch wrapper');
  assert.equal(sent.tools.length, 2);
  assert.ok(result.tool_calls.length >= 1, JSON.stringify(result));
  for (const call of result.tool_calls) assertValid(parametersOf(call.name), call.args);
});

test('errors: a named tool_choice that is not among the tools is a 400', async () => {
  await assert.rejects(
    openai.chat.completions.create({
      model: MODEL, messages: MESSAGES, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'missing' } },
    }),
    (e) => {
      assert.equal(e.status, 400, e.message);
      assert.match(e.message, /missing/);
      return true;
    },
  );
  await assert.rejects(
    ollama.chat({ model: MODEL, messages: MESSAGES, tools: TOOLS, tool_choice: { type: 'function', function: { name: 'missing' } } }),
    (e) => {
      assert.equal(e.status_code, 400, e.message);
      assert.match(e.message, /missing/);
      return true;
    },
  );
});

test('errors: tools on a model whose template has none is a 400', async () => {
  await assert.rejects(
    ollama.chat({ model: 'stories', messages: MESSAGES, tools: TOOLS, stream: false }),
    (e) => {
      assert.equal(e.status_code, 400, e.message);
      assert.match(e.message, /stories(:latest)? does not support tools/);
      return true;
    },
  );
  await assert.rejects(
    openai.chat.completions.create({ model: 'stories', messages: MESSAGES, tools: TOOLS, tool_choice: 'required' }),
    (e) => {
      assert.equal(e.status, 400, e.message);
      assert.match(e.message, /does not support tools/);
      return true;
    },
  );
});
