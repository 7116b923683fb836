// Starts `slimllm serve` on a free port over a temporary store holding stories260K (created
// through the CLI, itself a client of the server), for the real-client tests in this folder.
// ctest sets SLIMLLM_BINARY and SLIMLLM_TESTDATA.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binary = process.env.SLIMLLM_BINARY;
const testdata = process.env.SLIMLLM_TESTDATA;

// Resolves with { host, process, dir } once the server logs "Listening on 127.0.0.1:N".
export async function startServer() {
  assert.ok(binary && testdata, 'SLIMLLM_BINARY and SLIMLLM_TESTDATA must be set (ctest sets them)');
  const dir = mkdtempSync(join(tmpdir(), 'slimllm-node-'));
  const env = { ...process.env, OLLAMA_MODELS: join(dir, 'models'), OLLAMA_HOST: '127.0.0.1:0' };
  const child = spawn(binary, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let log = '';
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/Listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`slimllm serve exited with ${code}:\n${log}`)));
  });
  child.removeAllListeners('exit');
  const host = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'Modelfile'),
    `FROM ${join(testdata, 'models', 'stories260K.gguf')}\nTEMPLATE {{ .Prompt }}\nPARAMETER stop "<end>"\n`);
  const created = spawnSync(binary, ['create', 'stories', '-f', join(dir, 'Modelfile')],
    { env: { ...env, OLLAMA_HOST: host }, encoding: 'utf8' });
  assert.equal(created.status, 0, `slimllm create failed:\n${created.stdout}${created.stderr}`);
  return { host, process: child, dir };
}

// SIGTERM, wait for the exit, remove the store.
export async function stopServer(server) {
  if (!server) return;
  if (server.process.exitCode === null) {
    const exited = new Promise((resolve) => server.process.once('exit', resolve));
    server.process.kill('SIGTERM');
    await exited;
  }
  rmSync(server.dir, { recursive: true, force: true });
}
