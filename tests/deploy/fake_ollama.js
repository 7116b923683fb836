// A tiny stand-in for an Ollama-compatible server, for testing deploy/scripts/health-check.sh.
//   node fake_ollama.js MODE PORTFILE
// Listens on 127.0.0.1 on a free port and writes the port to PORTFILE once listening.
// It knows one model, "tiny:latest" (also "tiny"). MODE decides how /api/generate behaves:
//   ok         answers a finished generation
//   broken     answers 500 {"error": ...}, as a server whose model fails to load
//   error200   answers 200 with {"error": ...}, as an error after the stream started
//   truncated  answers 200 with an unfinished object (no "done":true)
//   hang       never answers
//   noversion  like ok, but /api/version is 404 (only GET / says "Ollama is running")
//   unreadable /api/show answers 500 for the model (a store file the server cannot read)
//   quoting    like ok, but the generated text itself contains '"error": ' and '"done": false'
'use strict';
const http = require('http');
const fs = require('fs');

const [mode, portFile] = process.argv.slice(2);
const modes = ['ok', 'broken', 'error200', 'truncated', 'hang', 'noversion', 'quoting', 'unreadable'];
if (!modes.includes(mode) || !portFile) {
  console.error(`usage: node fake_ollama.js {${modes.join('|')}} PORTFILE`);
  process.exit(64);
}

const knownModels = new Set(['tiny', 'tiny:latest']);

function send(res, status, value) {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': typeof value === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
  });
  res.end(body);
}

function readJson(req, done) {
  let text = '';
  req.on('data', (chunk) => (text += chunk));
  req.on('end', () => {
    try {
      done(JSON.parse(text));
    } catch (e) {
      done(null);
    }
  });
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/') return send(res, 200, 'Ollama is running');
  if (req.method === 'GET' && req.url === '/api/version') {
    if (mode === 'noversion') return send(res, 404, '404 page not found');
    return send(res, 200, { version: '0.13.5' });
  }
  if (req.method === 'POST' && req.url === '/api/show') {
    return readJson(req, (body) => {
      const name = body && (body.model || body.name);
      if (!name) return send(res, 400, { error: 'model is required' });
      if (!knownModels.has(name)) return send(res, 404, { error: `model '${name}' not found` });
      if (mode === 'unreadable') return send(res, 500, { error: 'invalid file magic' });
      send(res, 200, { details: { format: 'gguf', family: 'llama' }, capabilities: ['completion'] });
    });
  }
  if (req.method === 'POST' && req.url === '/api/generate') {
    return readJson(req, (body) => {
      if (!body || body.stream !== false) return send(res, 400, { error: 'expected stream false' });
      if (!knownModels.has(body.model)) return send(res, 404, { error: `model '${body.model}' not found` });
      switch (mode) {
        case 'broken':
          return send(res, 500, { error: 'llama runner process has terminated: exit status 2' });
        case 'error200':
          return send(res, 200, { error: 'model runner has unexpectedly stopped' });
        case 'truncated':
          return send(res, 200, { model: body.model, response: 'Hel', done: false });
        case 'hang':
          return; // the health check must give up on its own
        default:
          return send(res, 200, {
            model: body.model,
            created_at: new Date().toISOString(),
            response: mode === 'quoting' ? 'He said {"error": "x", "done": false}' : 'Hello!',
            done: true,
            done_reason: 'stop',
            eval_count: 3,
          });
      }
    });
  }
  send(res, 404, '404 page not found');
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => process.exit(0));
