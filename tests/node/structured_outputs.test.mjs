// Structured outputs end to end with the real npm clients: `format` (a JSON Schema, or "json")
// through the 'ollama' client, `response_format` through 'openai', and LangChain's ChatOllama
// withStructuredOutput, against a real `slimllm serve` with stories260K. The toy model knows no
// JSON, so everything valid about its answers comes from the grammar; each answer is checked by
// ajv (validator.mjs), a validator that owes nothing to slimllm's reading of the schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer } from './server.mjs';
import { assertValid, isJsonPrefix, parseJson } from './validator.mjs';

let Ollama;
let OpenAI;
let ChatOllama;
let z;
try {
  ({ Ollama } = await import('ollama'));
  ({ default: OpenAI } = await import('openai'));
  ({ ChatOllama } = await import('@langchain/ollama'));
  ({ z } = await import('zod'));
} catch (e) {
  throw new Error(`npm packages missing in tests/node: run ./scripts/setup.sh (${e.message})`);
}

// Most schemas here have a bounded answer (maxLength, maxItems, digit limits, enums), so an answer
// cut by num_predict means the grammar let the model run on where it should not have. The few
// that admit answers of any length say so (`open`): inside a free string the toy model writes
// its story and rarely closes the quote.
const NUM_PREDICT = 400;
const SEEDS = [1, 2, 3];
const PROMPT = 'Once upon a time, the little robot wrote down its notes:';

const point = {
  type: 'object',
  properties: { x: { type: 'integer', minimum: -99, maximum: 99 }, y: { type: 'integer', minimum: -99, maximum: 99 } },
  required: ['x', 'y'],
  additionalProperties: false,
};

// [name, schema, { open: why an answer may be cut by num_predict, prefix: what a cut one must match }]
const SCHEMAS = [
  // ---- each type, and type lists
  ['boolean', { type: 'boolean' }],
  ['null', { type: 'null' }],
  ['integer', { type: 'integer' }],
  ['number', { type: 'number' }],
  ['string with maxLength', { type: 'string', maxLength: 12 }],
  ['array of booleans', { type: 'array', items: { type: 'boolean' }, maxItems: 4 }],
  ['object with no properties allowed', { type: 'object', properties: {}, additionalProperties: false }],
  ['type list integer|null', { type: ['integer', 'null'] }],
  ['type list string|boolean', { type: ['string', 'boolean'], maxLength: 8 }],
  ['type list of four scalars', { type: ['number', 'string', 'boolean', 'null'], maxLength: 6 }],
  ['type list array|object', {
    type: ['array', 'object'], items: { type: 'integer' }, maxItems: 3,
    properties: { a: { type: 'integer' } }, additionalProperties: false,
  }],
  ['nullable string (OpenAPI)', { type: 'string', maxLength: 5, nullable: true }],

  // ---- objects
  ['required properties', {
    type: 'object',
    properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer', minimum: 0, maximum: 120 } },
    required: ['name', 'age'],
  }],
  ['optional properties only', {
    type: 'object',
    properties: { a: { type: 'boolean' }, b: { type: 'null' }, c: { type: 'integer', minimum: 0, maximum: 9 } },
    additionalProperties: false,
  }],
  ['required between optionals', {
    type: 'object',
    properties: { a: { type: 'boolean' }, b: { enum: ['x', 'y'] }, c: { type: 'null' } },
    required: ['b'],
    additionalProperties: false,
  }],
  ['additionalProperties as a schema', {
    type: 'object',
    properties: { id: { type: 'integer', minimum: 0, maximum: 999 } },
    required: ['id'],
    additionalProperties: { type: 'boolean' },
  }, { open: 'undeclared keys are free strings (propertyNames and maxProperties are refused), where the toy model writes its story' }],
  ['only additionalProperties', { type: 'object', additionalProperties: { type: 'integer', minimum: 0, maximum: 9 } }, { open: 'undeclared keys are free strings (propertyNames and maxProperties are refused), where the toy model writes its story' }],
  ['required but undeclared', { type: 'object', required: ['x'], additionalProperties: { type: 'null' } }, { open: 'undeclared keys are free strings (propertyNames and maxProperties are refused), where the toy model writes its story' }],
  ['property names to escape', {
    type: 'object',
    properties: {
      'naïve café': { type: 'boolean' }, 'with space': { type: 'null' }, 'quote"d\\': { type: 'boolean' }, '': { const: 0 },
    },
    required: ['naïve café', 'with space', 'quote"d\\', ''],
    additionalProperties: false,
  }],

  // ---- enum and const
  ['enum of strings', { enum: ['red', 'green', 'blue'] }],
  ['enum of mixed values', { enum: [1, 'two', 3.5, true, null, { a: 1 }, [1, 2]] }],
  ['enum with a type', { type: 'string', enum: ['small', 'medium', 'large'] }],
  ['const string', { const: 'fixed' }],
  ['const object', { const: { a: [1, { b: null }], c: 'd' } }],
  ['enum of non-ASCII strings', { enum: ['café', '日本語', '😀 smile', 'Ελληνικά', 'naïve'] }],
  ['const non-ASCII string', { const: 'naïve – “quotes” ✓ 🚀' }],
  ['enum of strings to escape', { enum: ['line\nbreak', 'tab\there', 'quote"q', 'back\\slash', 'ctl\u0001'] }],

  // ---- arrays
  ['array of objects', { type: 'array', items: point, minItems: 1, maxItems: 3 }],
  ['prefixItems tuple', {
    type: 'array',
    prefixItems: [{ type: 'string', maxLength: 5 }, { type: 'integer' }, { type: 'boolean' }],
    items: false,
  }],
  ['prefixItems then items', {
    type: 'array', prefixItems: [{ const: 'head' }], items: { type: 'integer', minimum: 0, maximum: 99 }, maxItems: 4,
  }],
  ['tuple with minItems', {
    type: 'array', prefixItems: [{ type: 'integer' }, { type: 'null' }, { type: 'boolean' }], minItems: 2, items: false,
  }],
  ['exactly three items', { type: 'array', items: { enum: ['a', 'b'] }, minItems: 3, maxItems: 3 }],
  ['two to five numbers', { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 5 }],
  ['empty array only', { type: 'array', maxItems: 0 }],
  ['nested arrays', {
    type: 'array', items: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 9 }, maxItems: 3 }, maxItems: 3,
  }],

  // ---- anyOf, oneOf, allOf
  ['anyOf string|integer', { anyOf: [{ type: 'string', maxLength: 5 }, { type: 'integer' }] }],
  ['anyOf objects', {
    anyOf: [
      { type: 'object', properties: { cat: { type: 'string', maxLength: 6 } }, required: ['cat'], additionalProperties: false },
      { type: 'object', properties: { dog: { type: 'integer' } }, required: ['dog'], additionalProperties: false },
    ],
  }],
  ['oneOf disjoint scalars', { oneOf: [{ type: 'integer' }, { type: 'boolean' }, { type: 'null' }] }],
  ['oneOf tagged objects', {
    oneOf: [
      {
        type: 'object', properties: { kind: { const: 'circle' }, r: { type: 'number', minimum: 0, maximum: 100 } },
        required: ['kind', 'r'], additionalProperties: false,
      },
      {
        type: 'object', properties: { kind: { const: 'square' }, side: { type: 'integer', minimum: 1, maximum: 10 } },
        required: ['kind', 'side'], additionalProperties: false,
      },
    ],
  }],
  ['allOf merging objects', {
    allOf: [
      { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
      { properties: { b: { type: 'boolean' } }, required: ['b'] },
    ],
  }],
  ['allOf intersecting bounds', { allOf: [{ type: 'integer', minimum: 0 }, { maximum: 10 }, { minimum: 3 }] }],
  ['anyOf beside shared keywords', { type: 'integer', anyOf: [{ minimum: 0, maximum: 5 }, { minimum: 100, maximum: 105 }] }],

  // ---- $ref
  ['$ref to $defs', {
    $defs: { point },
    type: 'object',
    properties: { from: { $ref: '#/$defs/point' }, to: { $ref: '#/$defs/point' } },
    required: ['from', 'to'],
    additionalProperties: false,
  }],
  ['$ref to definitions', {
    definitions: { color: { enum: ['red', 'green'] }, size: { type: 'integer', minimum: 1, maximum: 3 } },
    type: 'array',
    prefixItems: [{ $ref: '#/definitions/color' }, { $ref: '#/definitions/size' }],
    items: false,
    minItems: 2,
  }],
  ['recursive tree', {
    $defs: {
      node: {
        type: 'object',
        properties: {
          value: { type: 'integer', minimum: 0, maximum: 9 },
          children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 2 },
        },
        required: ['value', 'children'],
        additionalProperties: false,
      },
    },
    $ref: '#/$defs/node',
  }, { open: 'a recursion with up to two branches per node' }],
  ['$ref to the root (a list)', {
    type: 'object',
    properties: { v: { type: 'integer', minimum: 0, maximum: 9 }, next: { $ref: '#' } },
    required: ['v'],
    additionalProperties: false,
  }, { open: 'an optional recursion: the model may take `next` again and again' }],
  ['$ref beside other keywords', { $defs: { s: { type: 'string' } }, $ref: '#/$defs/s', maxLength: 4 }],

  // ---- string lengths and formats
  ['minLength and maxLength', { type: 'string', minLength: 3, maxLength: 6 }],
  ['exact length', { type: 'string', minLength: 4, maxLength: 4 }],
  ['format date', { type: 'string', format: 'date' }],
  ['format time', { type: 'string', format: 'time' }],
  ['format date-time', { type: 'string', format: 'date-time' }],
  ['format uuid', { type: 'string', format: 'uuid' }],
  ['format email', { type: 'string', format: 'email' }],
  ['object of formats', {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      day: { type: 'string', format: 'date' },
      at: { type: 'string', format: 'date-time' },
    },
    required: ['id', 'day', 'at'],
    additionalProperties: false,
  }],

  // ---- patterns
  ['pattern literal', { type: 'string', pattern: '^abc$' }],
  ['pattern class and count', { type: 'string', pattern: '^[A-Z][a-z]{2,5}$' }],
  ['pattern group and alternation', { type: 'string', pattern: '^(cat|dog|bird)s?$' }],
  ['pattern digits', { type: 'string', pattern: '^\\d{3}-\\d{4}$' }],
  ['pattern plus and star', { type: 'string', pattern: '^a+b*c$' }, { open: '+ and * repeat without bound', prefix: /^"(a+b*)?$/ }],
  ['pattern optional parts', { type: 'string', pattern: '^(?:[A-Z]{2}|\\d{2})-[0-9a-z]?\\.?$' }],
  ['pattern escaped punctuation', { type: 'string', pattern: '^\\$\\d{1,3}\\.\\d{2}$' }],
  ['pattern non-ASCII class', { type: 'string', pattern: '^[à-ÿ]{1,3}!$' }],
  ['pattern word chars', { type: 'string', pattern: '^\\w{1,8}@\\w{1,8}\\.com$' }],
  ['pattern unanchored end', { type: 'string', pattern: '^id-\\d' }, { open: 'a pattern without $ lets anything follow', prefix: /^"(i(d(-(\d.*)?)?)?)?$/s }],

  // ---- numbers at their edges
  ['integer range', { type: 'integer', minimum: -5, maximum: 5 }],
  ['integer exclusive maximum', { type: 'integer', minimum: 0, exclusiveMaximum: 3 }],
  ['negative integers', { type: 'integer', exclusiveMinimum: -4, maximum: -1 }],
  ['large integers', { type: 'integer', minimum: 1000000000000, maximum: 1000000000100 }],
  ['max safe integer', { type: 'integer', minimum: 9007199254740990, maximum: 9007199254740991 }],
  ['one integer', { type: 'integer', minimum: 7, maximum: 7 }],
  ['integer maximum only', { type: 'integer', maximum: 0 }],
  ['number in [0, 1]', { type: 'number', minimum: 0, maximum: 1 }],
  ['number in [-100, 100]', { type: 'number', minimum: -100, maximum: 100 }],
  ['number minimum only', { type: 'number', minimum: 0 }],

  // ---- nesting
  ['deeply nested objects', {
    type: 'object',
    properties: {
      a: {
        type: 'object',
        properties: {
          b: { type: 'object', properties: { c: { type: 'object', properties: { d: { type: 'integer' } }, required: ['d'] } }, required: ['c'] },
        },
        required: ['b'],
      },
    },
    required: ['a'],
  }],
  ['person', {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 20 },
      email: { type: 'string', pattern: '^[a-z]{1,10}@[a-z]{1,10}\\.(com|org)$' },
      born: { type: 'string', format: 'date' },
      tags: { type: 'array', items: { enum: ['friend', 'work', 'family'] }, maxItems: 3 },
      address: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 15 }, zip: { type: 'string', pattern: '^\\d{5}$' } },
        required: ['city', 'zip'],
        additionalProperties: false,
      },
      active: { type: 'boolean' },
    },
    required: ['name', 'email', 'born', 'tags', 'address', 'active'],
    additionalProperties: false,
  }],
  ['matrix of points', {
    type: 'object',
    properties: { rows: { type: 'array', items: { type: 'array', items: point, minItems: 1, maxItems: 2 }, minItems: 1, maxItems: 2 } },
    required: ['rows'],
    additionalProperties: false,
  }],
];

let server;
let ollama;

before(async () => {
  server = await startServer();
  ollama = new Ollama({ host: server.host });
});

after(async () => {
  await stopServer(server);
});

test(`the table holds at least 60 schemas (${SCHEMAS.length})`, () => {
  assert.ok(SCHEMAS.length >= 60);
  assert.equal(new Set(SCHEMAS.map(([name]) => name)).size, SCHEMAS.length, 'schema names are unique');
});

// An answer cut by num_predict is accepted only for a schema that admits answers of any length,
// and must still be the start of a JSON text (and of what the schema's `prefix` describes).
function checkAnswer(schema, open, text, doneReason, where) {
  if (doneReason === 'length' && open) {
    assert.ok(isJsonPrefix(text), `cut answer is not the start of a JSON text, ${where}`);
    if (open.prefix) assert.match(text, open.prefix, where);
    return;
  }
  assert.equal(doneReason, 'stop', `cut by num_predict, ${where}`);
  assertValid(schema, parseJson(text), where);
}

for (const [name, schema, open] of SCHEMAS) {
  test(`generate with format: ${name}`, async () => {
    for (const seed of SEEDS) {
      const r = await ollama.generate({
        model: 'stories', prompt: PROMPT, format: schema, stream: false,
        options: { temperature: 1, seed, num_predict: NUM_PREDICT },
      });
      checkAnswer(schema, open, r.response, r.done_reason, `seed ${seed}: ${JSON.stringify(r.response)}`);
    }
  });
}

// The streamed answer is the same sampling as the whole one (same seed), delivered in pieces that
// each extend what came before; the last chunk adds nothing after the root value.
test('streamed generate with a schema', async () => {
  const schema = SCHEMAS.find(([name]) => name === 'person')[1];
  const request = { model: 'stories', prompt: PROMPT, format: schema, options: { temperature: 1, seed: 7, num_predict: NUM_PREDICT } };
  const whole = await ollama.generate({ ...request, stream: false });
  assertValid(schema, parseJson(whole.response), whole.response);
  let text = '';
  let chunks = 0;
  let last;
  for await (const chunk of await ollama.generate({ ...request, stream: true })) {
    chunks += 1;
    last = chunk;
    if (chunk.done) {
      assert.equal(chunk.response, '', 'the final chunk carries no text');
      continue;
    }
    text += chunk.response;
    assert.ok(whole.response.startsWith(text), `streamed prefix ${JSON.stringify(text)} is not a prefix of ${JSON.stringify(whole.response)}`);
  }
  assert.ok(chunks > 3, `${chunks} chunks`);
  assert.equal(last.done_reason, 'stop');
  assert.equal(text, whole.response);
  assertValid(schema, parseJson(text), text);
});

test('chat with format "json" answers a JSON object', async () => {
  for (const seed of SEEDS) {
    const r = await ollama.chat({
      model: 'stories', messages: [{ role: 'user', content: PROMPT }], format: 'json', stream: false,
      options: { temperature: 1, seed, num_predict: NUM_PREDICT },
    });
    assert.equal(r.message.role, 'assistant');
    const text = r.message.content;
    assert.ok(text.startsWith('{'), text);
    // Any object is open-ended (free keys and strings): a cut answer must still be the start of one.
    if (r.done_reason === 'length') {
      assert.ok(isJsonPrefix(text), `cut answer is not the start of a JSON text: ${JSON.stringify(text)}`);
      continue;
    }
    assert.equal(r.done_reason, 'stop');
    const value = parseJson(text);
    assert.equal(typeof value, 'object');
    assert.ok(value !== null && !Array.isArray(value), `not an object: ${r.message.content}`);
  }
});

test('chat with a schema as format', async () => {
  const schema = SCHEMAS.find(([name]) => name === 'oneOf tagged objects')[1];
  const r = await ollama.chat({
    model: 'stories', messages: [{ role: 'user', content: PROMPT }], format: schema, stream: false,
    options: { temperature: 1, seed: 5, num_predict: NUM_PREDICT },
  });
  assertValid(schema, parseJson(r.message.content), r.message.content);
});

// Keywords the grammar cannot enforce are refused, never silently dropped: the answer would
// otherwise look structured and still break the schema.
test('unsupported schema keywords are a 400 naming them', async () => {
  const cases = [
    [{ type: 'array', items: { type: 'integer' }, maxItems: 3, uniqueItems: true }, ['uniqueItems']],
    [{ type: 'object', properties: { a: { not: { type: 'null' } } } }, ['not']],
    [{ type: 'integer', if: { minimum: 0 }, then: { maximum: 5 } }, ['if', 'then']],
    [{ type: 'number', multipleOf: 0.5 }, ['multipleOf']],
  ];
  for (const [schema, keywords] of cases) {
    await assert.rejects(
      ollama.generate({ model: 'stories', prompt: PROMPT, format: schema, stream: false }),
      (e) => {
        assert.equal(e.status_code, 400, `${JSON.stringify(schema)}: ${e.message}`);
        assert.match(e.message, /unsupported JSON schema/);
        for (const k of keywords) assert.ok(e.message.includes(k), `${e.message} names ${k}`);
        return true;
      },
    );
  }
});

test('openai client: response_format json_schema (strict) and json_object', async () => {
  const openai = new OpenAI({ baseURL: `${server.host}/v1`, apiKey: 'ollama', maxRetries: 0 });
  const schema = {
    type: 'object',
    properties: {
      title: { type: 'string', maxLength: 20 },
      rating: { type: 'integer', minimum: 1, maximum: 5 },
      genres: { type: 'array', items: { enum: ['fairy tale', 'fable', 'adventure'] }, maxItems: 2 },
    },
    required: ['title', 'rating', 'genres'],
    additionalProperties: false,
  };
  for (const seed of SEEDS) {
    const r = await openai.chat.completions.create({
      model: 'stories', messages: [{ role: 'user', content: PROMPT }], temperature: 1, seed, max_tokens: NUM_PREDICT,
      response_format: { type: 'json_schema', json_schema: { name: 'story', schema, strict: true } },
    });
    assert.equal(r.choices[0].finish_reason, 'stop');
    const content = r.choices[0].message.content;
    assertValid(schema, parseJson(content), content);
  }
  const r = await openai.chat.completions.create({
    model: 'stories', messages: [{ role: 'user', content: PROMPT }], temperature: 1, seed: 1, max_tokens: NUM_PREDICT,
    response_format: { type: 'json_object' },
  });
  const text = r.choices[0].message.content;
  assert.ok(text.startsWith('{'), text);
  if (r.choices[0].finish_reason === 'length') {
    // Any object is open-ended: a cut answer must still be the start of one.
    assert.ok(isJsonPrefix(text), `cut answer is not the start of a JSON text: ${JSON.stringify(text)}`);
  } else {
    assert.equal(r.choices[0].finish_reason, 'stop');
    const value = parseJson(text);
    assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), text);
  }
});

test('openai client: an unsupported keyword in response_format is a 400', async () => {
  const openai = new OpenAI({ baseURL: `${server.host}/v1`, apiKey: 'ollama', maxRetries: 0 });
  await assert.rejects(
    openai.chat.completions.create({
      model: 'stories', messages: [{ role: 'user', content: PROMPT }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'array', uniqueItems: true } } },
    }),
    (e) => {
      assert.equal(e.status, 400, e.message);
      assert.match(e.message, /uniqueItems/);
      return true;
    },
  );
});

// LangChain's default structured-output method for Ollama sends the schema as `format` and
// parses the content: a zod schema (converted to JSON Schema by @langchain/core) and a plain one.
test('LangChain ChatOllama withStructuredOutput', async () => {
  const story = z.object({
    hero: z.string().max(12),
    age: z.number().int().min(1).max(99),
    happy: z.boolean(),
    mood: z.enum(['calm', 'brave', 'sleepy']),
  });
  const jsonSchema = {
    title: 'pet', type: 'object',
    properties: { name: { type: 'string', maxLength: 10 }, legs: { type: 'integer', minimum: 0, maximum: 8 } },
    required: ['name', 'legs'], additionalProperties: false,
  };
  for (const seed of SEEDS) {
    const llm = new ChatOllama({ baseUrl: server.host, model: 'stories', temperature: 1, seed, numPredict: NUM_PREDICT });
    const fromZod = await llm.withStructuredOutput(story).invoke(PROMPT);
    assert.deepEqual(story.parse(fromZod), fromZod);
    assertValid({
      type: 'object',
      properties: {
        hero: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 1, maximum: 99 },
        happy: { type: 'boolean' }, mood: { enum: ['calm', 'brave', 'sleepy'] },
      },
      required: ['hero', 'age', 'happy', 'mood'], additionalProperties: false,
    }, fromZod);
    const fromJson = await llm.withStructuredOutput(jsonSchema).invoke(PROMPT);
    assertValid(jsonSchema, fromJson);
  }
});
