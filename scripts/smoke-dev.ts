// npm run smoke:dev — what a new user does, checked end to end: `npm run dev`
// on a clean checkout, the printed curl's token creates the seed's app, and
// `npm run token:create` works while the server runs. Used by CI.
import { spawn } from 'node:child_process';
import { DEV_BASE as BASE, startDevServer } from './lib/dev-server';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run smoke:dev\nA new user's path on this checkout: npm run dev, the curl it prints, token:create, GET /v1/events and keys:status\nalongside. Needs port 8787 free. Exit 1 on the first step that fails.";
commandLine({ usage: USAGE });

let step = 'start';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`smoke: ${message}`);
}

/**
 * A command's exit status and output, run without blocking this process: a
 * blocking spawnSync (wrangler takes seconds) left fetch's keep-alive socket
 * unserviced while the server closed it as idle, and the next request failed
 * on the dead socket ("other side closed").
 */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function create(token: string, clientId: string): Promise<Response> {
  return fetch(`${BASE}/v1/oauth-apps`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ provider: 'stripe', client_id: clientId, client_secret: `sk-smoke-${crypto.randomUUID()}`, name: 'Smoke' }),
  });
}

async function main(): Promise<void> {
  const dev = await startDevServer();
  try {
    const devToken = dev.token;
    const curl = dev.output().split('\n').find((l) => l.startsWith('curl --request POST'));
    check(curl, 'no curl line printed');

    // The printed curl line, run as printed (a second run of dev answers 409 for the same client_id).
    const ran = await run('bash', ['-c', `${curl} --silent --output /dev/null --write-out '%{http_code}'`]);
    check(['200', '409'].includes(ran.stdout), `the printed curl answered ${ran.stdout}`);

    step = 'create';
    const res = await create(devToken, crypto.randomUUID());
    check(res.status === 200, `create with the dev token answered ${res.status}`);
    const app = (await res.json()) as Record<string, unknown>;
    check(app.client_secret === '**********', 'the secret was not masked');
    check(res.headers.get('Request-Id'), 'no Request-Id header');

    // The rest of the lifecycle, served by wrangler dev (rate-limit binding included).
    const auth = { Authorization: `Bearer ${devToken}` };
    step = 'list';
    const listed = await fetch(`${BASE}/v1/oauth-apps?limit=1`, { headers: auth });
    check(listed.status === 200 && ((await listed.json()) as { data: unknown[] }).data.length === 1, `list answered ${listed.status}`);
    step = 'patch';
    const patched = await fetch(`${BASE}/v1/oauth-apps/${app.id as string}`, {
      method: 'PATCH',
      headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify({ name: 'Smoke, renamed' }),
    });
    check(patched.status === 200 && patched.headers.get('ETag') === '"v2"', `patch answered ${patched.status}`);
    await patched.text(); // read it all: an unread body holds the connection
    step = 'delete';
    const deleted = await fetch(`${BASE}/v1/oauth-apps/${app.id as string}`, { method: 'DELETE', headers: auth });
    check(deleted.status === 200 && ((await deleted.json()) as { deleted: boolean }).deleted, `delete answered ${deleted.status}`);

    // The document, served from public/ through the ASSETS binding.
    step = 'openapi.json';
    const doc = await fetch(`${BASE}/openapi.json`);
    check(doc.status === 200 && ((await doc.json()) as { openapi: string }).openapi === '3.1.0', `/openapi.json answered ${doc.status}`);

    // token:create while the dev server runs, against the same local database.
    step = 'token:create';
    const minted = await run('npm', ['run', '--silent', 'token:create', '--', '--account', 'smoke', '--scopes', 'oauth_apps:write']);
    check(minted.status === 0, `token:create failed:\n${minted.stderr}`);
    const token = minted.stdout.trim().split('\n').at(-1)!;
    check(/^oat_[A-Za-z0-9_-]{43}$/.test(token), `token:create's last line is not a token: ${token}`);
    const withMinted = await create(token, crypto.randomUUID());
    check(withMinted.status === 200, `create with a minted token answered ${withMinted.status}`);

    const readOnly = await run('npm', ['run', '--silent', 'token:create', '--', '--account', 'smoke', '--scopes', 'oauth_apps:read']);
    const readToken = readOnly.stdout.trim().split('\n').at(-1)!;
    check((await create(readToken, crypto.randomUUID())).status === 403, 'a read-only token could create');

    // The audit trail of what this run did, and the operator's key status, both from wrangler dev.
    step = 'events';
    const trail = await fetch(`${BASE}/v1/events?app_id=${app.id as string}`, { headers: auth });
    const actions = ((await trail.json()) as { data: { action: string }[] }).data.map((e) => e.action).join(',');
    check(actions === 'oauth_app.deleted,oauth_app.updated,oauth_app.created', `events answered ${trail.status}: ${actions}`);
    step = 'keys:status';
    const keys = await run('npm', ['run', '--silent', 'keys:status', '--', '--json']);
    check(keys.status === 0, `keys:status failed:\n${keys.stderr}`);
    const status = JSON.parse(keys.stdout) as { primary: string; data: { id: string; secrets: number }[] };
    check(status.data.some((k) => k.id === status.primary && k.secrets > 0), `keys:status shows no secret under the primary key: ${keys.stdout}`);

    // The server's own output never holds a minted token or a sent secret.
    const output = dev.output();
    check(!output.includes(token) && !output.includes('sk-smoke-'), 'a token or secret reached the dev server output');
    console.log('smoke: npm run dev serves the API, its printed token and curl work, token:create and keys:status work alongside: ok');
  } finally {
    dev.stop();
  }
}

await runScript(USAGE, () =>
  main().catch((err: unknown) => {
    throw new Error(`smoke failed at ${step}`, { cause: err });
  }),
);
