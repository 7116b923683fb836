// An independent JSON Schema validator (ajv, draft 2020-12, with ajv-formats) for the answers
// slimllm's grammars produce: the grammar is slimllm's reading of a schema, ajv is the one the
// client would use, so a disagreement is a server bug.
import assert from 'node:assert/strict';

let Ajv2020;
let addFormats;
try {
  ({ default: Ajv2020 } = await import('ajv/dist/2020.js'));
  ({ default: addFormats } = await import('ajv-formats'));
} catch (e) {
  throw new Error(`the npm packages 'ajv'/'ajv-formats' are not installed in tests/node: run ./scripts/setup.sh (${e.message})`);
}

// strict: false because test schemas use keywords ajv's strict mode frowns on without them being
// wrong (`nullable`, `definitions` beside `$defs`, type lists); formats in their full (RFC) form.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv, { mode: 'full' });

// Compiled validators by schema text: the same schema is checked for several seeds.
const compiled = new Map();

// Asserts that `value` validates against `schema`; the message shows ajv's errors and the text.
export function assertValid(schema, value, text = JSON.stringify(value)) {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  const ok = validate(value);
  assert.ok(ok, `does not validate: ${text}\nschema: ${key}\nerrors: ${JSON.stringify(validate.errors)}`);
}

// JSON.parse with the text in the failure message.
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    assert.fail(`not JSON (${e.message}): ${JSON.stringify(text)}`);
  }
}

// Whether `text` can be extended to a complete JSON text: what an answer cut by num_predict must
// still be when the grammar was followed. Any whitespace between tokens; one root value.
export function isJsonPrefix(text) {
  const n = text.length;
  const stack = [];  // '{' and '[' of the open containers
  // 'value' | 'value-or-]' | 'key' | 'key-or-}' | ':' | ',-or-end' | 'done'
  let expect = 'value';
  const afterValue = () => { expect = stack.length === 0 ? 'done' : ',-or-end'; };
  // The index after the string starting at text[i] (a quote); n when the text ends inside it
  // (validly so far); -1 when it breaks JSON's string syntax.
  const scanString = (i) => {
    for (let j = i + 1; j < n; j++) {
      const c = text[j];
      if (c === '"') return j + 1;
      if (c < ' ') return -1;
      if (c !== '\\') continue;
      if (j + 1 >= n) return n;
      const e = text[j + 1];
      if ('"\\/bfnrt'.includes(e)) { j += 1; continue; }
      if (e !== 'u') return -1;
      const hex = text.slice(j + 2, j + 6);
      if (!/^[0-9a-fA-F]*$/.test(hex)) return -1;
      if (j + 6 > n) return n;
      j += 5;
    }
    return n;
  };
  const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
  const NUMBER_PREFIX = /^-?$|^-?(0|[1-9]\d*)(\.\d*)?$|^-?(0|[1-9]\d*)(\.\d+)?[eE][+-]?\d*$/;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') { i++; continue; }
    if (expect === 'done') return false;
    if (expect === ':') {
      if (c !== ':') return false;
      expect = 'value';
      i++;
    } else if (expect === ',-or-end') {
      const top = stack[stack.length - 1];
      if (c === ',') {
        expect = top === '{' ? 'key' : 'value';
      } else if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
        stack.pop();
        afterValue();
      } else {
        return false;
      }
      i++;
    } else if (expect === 'key' || expect === 'key-or-}') {
      if (expect === 'key-or-}' && c === '}') {
        stack.pop();
        afterValue();
        i++;
        continue;
      }
      if (c !== '"') return false;
      const j = scanString(i);
      if (j < 0) return false;
      i = j;
      expect = ':';
    } else {  // a value
      if (expect === 'value-or-]' && c === ']') {
        stack.pop();
        afterValue();
        i++;
      } else if (c === '{' || c === '[') {
        stack.push(c);
        expect = c === '{' ? 'key-or-}' : 'value-or-]';
        i++;
      } else if (c === '"') {
        const j = scanString(i);
        if (j < 0) return false;
        i = j;
        afterValue();
      } else if (c === '-' || (c >= '0' && c <= '9')) {
        let j = i;
        while (j < n && /[-+.eE0-9]/.test(text[j])) j++;
        const number = text.slice(i, j);
        if (j === n) return NUMBER_PREFIX.test(number);
        if (!NUMBER.test(number)) return false;
        i = j;
        afterValue();
      } else {
        const literal = ['true', 'false', 'null'].find((l) => l[0] === c);
        if (!literal) return false;
        const have = text.slice(i, i + literal.length);
        if (!literal.startsWith(have)) return false;
        i += have.length;
        afterValue();
      }
    }
  }
  return true;
}
