// The Worker as deployed: each build's parts are bundled first into one
// function (scripts/build-worker-parts.ts), with drizzle's unused modules
// replaced by stand-ins that throw (src/db/drizzle-unused.ts). Here the built
// files hold what they should, and each build, run by wrangler dev from its
// own configuration file, serves an app's whole lifecycle and runs its cron
// without a stand-in ever being reached.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/bench-support';
import { d1Store } from '../../scripts/lib/store';
import { ensureTokens } from '../../scripts/lib/tokens';
import { spawnWrangler } from '../../scripts/lib/wrangler';
import { generateApiToken } from '../../src/auth/api-token';
import { newKeyringSecret } from '../../src/crypto/keyring';
import { freePort } from '../support/sqld';
import { TSX } from '../support/node-process';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-worker-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAND_IN = 'is not in this build';

describe('the parts, bundled', () => {
  it('one function each, without drizzle’s relational queries, $count or pg-core', () => {
    const run = spawnSync(TSX, [resolve('scripts/build-worker-parts.ts')], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    for (const part of ['worker.d1', 'worker.libsql']) {
      const code = readFileSync(`.build/${part}.js`, 'utf8');
      expect(code.startsWith('export function loadParts() {')).toBe(true);
      // Nothing else is exported, so nothing of the parts runs when the module is evaluated.
      expect(code.match(/^export /gm)).toHaveLength(1);
      // drizzle's own classes of the replaced modules, by their entity names.
      for (const kind of ['"Relations"', '"SQLiteAsyncRelationalQuery"', '"SQLiteCountBuilderAsync"', '"PgEnumColumn"']) expect(code, kind).not.toContain(kind);
      expect(code).toContain(STAND_IN);
    }
  });
});

async function runBuild(config: string, part: string): Promise<void> {
  const persistTo = join(dir, part);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const token = generateApiToken();
  const store = await d1Store({ remote: false, persistTo });
  await ensureTokens({ account: 'build', scopes: ['oauth_apps:read', 'oauth_apps:write'], tokens: [token] }, store);
  await store.close();
  let stderr = '';
  const worker: ChildProcess = spawnWrangler(
    ['dev', '-c', config, '--port', String(port), '--ip', '127.0.0.1', '--persist-to', persistTo, '--test-scheduled',
      '--var', `ENCRYPTION_KEYRING:${newKeyringSecret('build')}`, '--log-level', 'error', '--show-interactive-dev-session=false'],
    ['ignore', 'pipe', 'pipe'],
  );
  worker.stdout?.on('data', (d: Buffer) => (stderr += d.toString()));
  worker.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
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
    expect(stderr).not.toContain(STAND_IN);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((done) => (worker.exitCode !== null ? done(undefined) : worker.once('exit', done)));
  }
}

describe('each build as wrangler dev runs it from its configuration file', () => {
  it('wrangler.toml (D1): the lifecycle and the cron', { timeout: 180_000 }, () => runBuild('wrangler.toml', 'd1'));
  it('wrangler.libsql.toml (no LIBSQL_URL: D1): the lifecycle and the cron', { timeout: 180_000 }, () => runBuild('wrangler.libsql.toml', 'libsql'));
});
