// The Worker as deployed: each build's [alias] puts src/db/drizzle-unused.ts
// and src/http/hono-unused.ts in place of drizzle's and hono's modules this
// code never runs (relational queries, db.$count, pg-core's enum test, views,
// unused column types; form bodies, escaped-HTML callbacks, app.mount()), and
// our own validate() leaves hono's validator out. Here each build, as `wrangler deploy
// --dry-run` makes it, holds none of them; and each, run by wrangler dev from
// its own configuration file, serves an app's whole lifecycle and runs its
// cron without a stand-in ever being reached.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimental_readRawConfig } from 'wrangler';
import { waitFor } from '../../scripts/lib/bench-support';
import { d1Store } from '../../scripts/lib/store';
import { ensureTokens } from '../../scripts/lib/tokens';
import { spawnWrangler, wranglerOrThrow } from '../../scripts/lib/wrangler';
import { generateApiToken } from '../../src/auth/api-token';
import { newKeyringSecret } from '../../src/crypto/keyring';
import { freePort } from '../support/sqld';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-worker-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAND_IN = 'is not in this build';
const STAND_INS = ['./src/db/drizzle-unused.ts', './src/http/hono-unused.ts'];
// Each configuration file, and the bundle its entry point (src/index.ts, src/index.libsql.ts) becomes.
const CONFIGS = [
  ['wrangler.toml', 'index.js'],
  ['wrangler.libsql.toml', 'index.libsql.js'],
];
// The replaced modules, as paths inside the package (the alias names them by
// how drizzle and hono import them), and hono's validator with its cookie and
// form readers, which nothing imports since src/http/validation.ts validates.
const UNUSED = new RegExp(
  [
    'drizzle-orm/(relations|sqlite-core/query-builders/(query|count)|sqlite-core/view|sqlite-core/columns/(custom|numeric|real))\\.js',
    'drizzle-orm/pg-core/',
    'hono/dist/utils/(body|html|mount|cookie)\\.js',
    'hono/dist/(validator|helper/cookie)/',
    '@hono/zod-validator/',
  ].map((p) => `node_modules/${p}`).join('|'),
);

describe('each build, as wrangler deploy --dry-run makes it', () => {
  it.each(CONFIGS)('%s: the same [alias]; none of drizzle’s and hono’s unused modules, the stand-ins in their place', { timeout: 120_000 }, async (config, bundle) => {
    const raw = experimental_readRawConfig({ config }, { hideWarnings: true }).rawConfig as { alias?: Record<string, string> };
    expect(Object.values(raw.alias ?? {}).every((to) => STAND_INS.includes(to))).toBe(true);
    const out = join(dir, `dry-${config}`);
    await wranglerOrThrow(['deploy', '--dry-run', '-c', config, '--outdir', out, '--metafile', join(out, 'meta.json')]);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs).map((p) => relative(process.cwd(), resolve(p)));
    expect(inputs.filter((p) => UNUSED.test(p))).toEqual([]);
    expect(inputs).toContain('src/db/drizzle-unused.ts');
    expect(inputs).toContain('src/http/hono-unused.ts');
    const code = readFileSync(join(out, bundle!), 'utf8');
    // drizzle's own classes of the replaced modules, by their entity names (minifying keeps strings).
    const kinds = ['"Relations"', '"SQLiteAsyncRelationalQuery"', '"SQLiteCountBuilderAsync"', '"PgEnumColumn"', '"SQLiteView"', '"SQLiteNumeric"', '"SQLiteReal"', '"SQLiteCustomColumn"'];
    for (const kind of kinds) expect(code, kind).not.toContain(kind);
    // hono's form parser and validator, by their messages.
    for (const text of ['multipart/form-data', 'Malformed JSON in request body']) expect(code, text).not.toContain(text);
    expect(code).toContain(STAND_IN);
  });
});

async function runBuild(config: string, name: string): Promise<void> {
  const persistTo = join(dir, name);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const token = generateApiToken();
  const store = await d1Store({ remote: false, persistTo });
  await ensureTokens({ account: 'build', scopes: ['oauth_apps:read', 'oauth_apps:write'], tokens: [token] }, store);
  await store.close();
  let output = '';
  const worker: ChildProcess = spawnWrangler(
    ['dev', '-c', config, '--port', String(port), '--ip', '127.0.0.1', '--persist-to', persistTo, '--test-scheduled',
      '--var', `ENCRYPTION_KEYRING:${newKeyringSecret('build')}`, '--log-level', 'error', '--show-interactive-dev-session=false'],
    ['ignore', 'pipe', 'pipe'],
  );
  worker.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const auth = { Authorization: `Bearer ${token}` };
    await waitFor(`${base}/v1/providers`, auth, worker);
    const json = { ...auth, 'Content-Type': 'application/json' };
    const created = await fetch(`${base}/v1/oauth-apps`, {
      method: 'POST',
      headers: { ...json, 'Idempotency-Key': 'build-1' },
      body: JSON.stringify({ provider: 'github', client_id: 'build-client', client_secret: 'build-secret-0123456789', name: 'Build', metadata: { team: 'a' } }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    const app = (await created.json()) as { id: string; client_secret: string };
    expect(app.client_secret).not.toBe('build-secret-0123456789');
    expect((await fetch(`${base}/v1/oauth-apps/${app.id}`, { headers: auth })).status).toBe(200);
    const list = (await (await fetch(`${base}/v1/oauth-apps?metadata=${encodeURIComponent('{"team":"a"}')}`, { headers: auth })).json()) as { data: { id: string }[] };
    expect(list.data.map((a) => a.id)).toEqual([app.id]);
    const patched = await fetch(`${base}/v1/oauth-apps/${app.id}`, { method: 'PATCH', headers: { ...json, 'If-Match': '"v1"' }, body: JSON.stringify({ name: 'Renamed' }) });
    expect(patched.status).toBe(200);
    const events = (await (await fetch(`${base}/v1/events?app_id=${app.id}`, { headers: auth })).json()) as { data: { action: string }[] };
    expect(events.data.map((e) => e.action)).toEqual(['oauth_app.updated', 'oauth_app.created']);
    expect((await fetch(`${base}/v1/oauth-apps/${app.id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('*/15 * * * *')}`);
    expect(cron.status, await cron.clone().text()).toBe(200);
    expect(output).not.toContain(STAND_IN);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((done) => (worker.exitCode !== null ? done(undefined) : worker.once('exit', done)));
  }
}

describe('each build as wrangler dev runs it from its configuration file', () => {
  it('wrangler.toml (D1): the lifecycle and the cron', { timeout: 180_000 }, () => runBuild('wrangler.toml', 'd1'));
  it('wrangler.libsql.toml (no LIBSQL_URL: D1): the lifecycle and the cron', { timeout: 180_000 }, () => runBuild('wrangler.libsql.toml', 'libsql'));
});
