// npm run dev: everything a first run needs, then `wrangler dev` on :8787.
//  1. .dev.vars with a generated local ENCRYPTION_KEYRING, if it has none
//  2. migrations applied to the local D1
//  3. a dev account and token (kept in .dev-token, git-ignored, reused across runs)
//  4. wrangler dev (once port 8787 is known to be free), and once /healthz answers
//     (which writes no log line), the token and a curl line to paste
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ALL_SCOPES_FOR_DEV, DEV_ACCOUNT, DEV_PORT, DEV_TOKEN_FILE, DEV_VARS_FILE } from './lib/dev-settings';
import { d1Store, type Store } from './lib/store';
import { ensureToken } from './lib/tokens';
import { spawnWrangler } from './lib/wrangler';
import { ensureLocalKeyring } from '../src/node/local-keyring';
import { isWellFormedApiToken } from '../src/auth/api-token';
import { helpOrPassThrough } from './lib/cli';

const USAGE = "Usage: npm run dev [-- <wrangler dev options>]\nServes the API on http://localhost:8787 with a local D1: makes a local keyring in .dev.vars if it has none,\napplies the migrations, mints a dev token (kept in .dev-token) and prints it with a curl line to paste.\nAny other option goes on to wrangler dev (npx wrangler dev --help lists them).";
const passThrough = helpOrPassThrough(USAGE);

async function ensureDevToken(store: Store): Promise<string> {
  const saved = existsSync(DEV_TOKEN_FILE) ? readFileSync(DEV_TOKEN_FILE, 'utf8').trim() : '';
  const { token } = await ensureToken(
    { account: DEV_ACCOUNT, scopes: ALL_SCOPES_FOR_DEV, ...(isWellFormedApiToken(saved) ? { token: saved } : {}) },
    store,
  );
  if (token !== saved) writeFileSync(DEV_TOKEN_FILE, `${token}\n`, { mode: 0o600 });
  return token;
}

async function waitUntilServing(url: string, child: ReturnType<typeof spawnWrangler>): Promise<boolean> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) return false;
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

function banner(token: string): string {
  const base = `http://localhost:${DEV_PORT}`;
  const body = JSON.stringify({
    provider: 'stripe',
    client_id: 'db97a4eb-f488-46c8-b1a7-78be3d8380d1',
    client_secret: 'e8c22f21-3455-4ad5-ae1e-76bee847dec9',
    name: 'Arakkis - Stripe',
    metadata: { custom_property: 42 },
  });
  const rule = '─'.repeat(72);
  return [
    rule,
    `OAuth apps API on ${base} (local D1, migrations applied)`,
    `Dev account "${DEV_ACCOUNT}", API token with ${ALL_SCOPES_FOR_DEV.join(' ')}:`,
    `  ${token}`,
    'Create an OAuth app:',
    `curl --request POST --url ${base}/v1/oauth-apps --header 'Authorization: Bearer ${token}' --header 'Content-Type: application/json' --data '${body}'`,
    'List them:',
    `curl --url ${base}/v1/oauth-apps --header 'Authorization: Bearer ${token}'`,
    rule,
  ].join('\n');
}

/** Whether something already listens on the port, on IPv4 or IPv6 loopback (wrangler dev would fail later, with a stack). */
async function portTaken(port: number): Promise<string | undefined> {
  for (const host of ['127.0.0.1', '::1']) {
    const taken = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
      probe.listen(port, host, () => probe.close(() => resolve(false)));
    });
    if (taken) return host;
  }
  return undefined;
}

async function main(): Promise<void> {
  const taken = await portTaken(DEV_PORT);
  if (taken) {
    console.error(`Error: port ${DEV_PORT} is in use on ${taken}: stop what listens there (another npm run dev?) and run it again`);
    process.exit(1);
  }
  if (ensureLocalKeyring(DEV_VARS_FILE).generated) console.log(`Generated a local encryption keyring in ${DEV_VARS_FILE}.`);
  console.log('Applying migrations to the local D1…');
  const store = await d1Store({ remote: false });
  let token: string;
  try {
    token = await ensureDevToken(store);
  } finally {
    await store.close();
  }

  const child = spawnWrangler(['dev', '--port', String(DEV_PORT), ...passThrough]);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));

  if (await waitUntilServing(`http://localhost:${DEV_PORT}/healthz`, child)) console.log(`\n${banner(token)}\n`);
}

await main();
