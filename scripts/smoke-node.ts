// npm run smoke:node: the README's self-hosting steps, checked end to end on
// this checkout: `npm run start:node` with nothing configured serves the API
// and prints the token command; that command, run as printed, mints a token
// that creates an app. Used by CI (on a fresh clone: no data/ yet).
import { spawn, spawnSync } from 'node:child_process';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run smoke:node\nThe README's self-hosting steps on this checkout: npm run start:node with nothing configured, the token command it\nprints, a create. Needs port 8788 free. Exit 1 on the first step that fails.";
commandLine({ usage: USAGE });

const PORT = '8788';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`smoke:node: ${message}`);
}

async function main(): Promise<void> {
  const server = spawn('npm', ['run', 'start:node'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT },
  });
  let output = '';
  server.stdout.on('data', (c: Buffer) => (output += c.toString()));
  server.stderr.on('data', (c: Buffer) => (output += c.toString()));
  try {
    const started = Date.now();
    while (!output.includes('Then:')) {
      check(server.exitCode === null, `npm run start:node exited early:\n${output}`);
      check(Date.now() - started < 60_000, `no banner within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const base = /OAuth apps API on (http:\/\/\S+)/.exec(output)?.[1];
    check(base === `http://127.0.0.1:${PORT}`, `unexpected address in:\n${output}`);
    const command = /^\s+(npm run token:create -- --libsql .*)$/m.exec(output)?.[1];
    check(command, `no token command printed:\n${output}`);

    const minted = spawnSync('bash', ['-c', command.replace('<name>', 'smoke-node')], { encoding: 'utf8' });
    check(minted.status === 0, `the printed token command failed:\n${minted.stderr}`);
    const token = minted.stdout.trim().split('\n').at(-1)!;
    check(/^oat_[A-Za-z0-9_-]{43}$/.test(token), 'the token command did not print a token last');

    const res = await fetch(`${base}/v1/oauth-apps`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ provider: 'stripe', client_id: crypto.randomUUID(), client_secret: `sk-smoke-${crypto.randomUUID()}`, name: 'Smoke' }),
    });
    const text = await res.text();
    check(res.status === 200, `create answered ${res.status}: ${text}`);
    const app = JSON.parse(text) as { client_secret: string };
    check(app.client_secret === '**********', 'the secret was not masked');
    const doc = await fetch(`${base}/openapi.json`);
    check(doc.status === 200 && ((await doc.json()) as { openapi: string }).openapi === '3.1.0', `/openapi.json answered ${doc.status}`);
    console.log(`smoke:node ok: npm run start:node served ${base}, the printed token command minted a token, create answered 200, /openapi.json served`);
  } finally {
    // npm runs tsx runs node: stop the whole group.
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
  }
}

await runScript(USAGE, main);
