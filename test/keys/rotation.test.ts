// Online key rotation, end to end: 300 secrets under k1; k2 added as primary;
// the cron's bounded batch and the operator endpoint re-encrypt the rest;
// k1 dropped. Every secret stays exactly what it was.
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULED_ROTATION_BATCH } from '../../src/scheduled';
import type { AppObject } from '../support/fixtures';
import { createAccount, createToken, env, newCaller, request, runScheduled, seedBody, sendWithEnv, type TestToken } from '../support/fixtures';
import { keyring } from '../support/keyrings';

// Key ids of this file's own: in a database shared with other files
// (worker-libsql), their rows are under other keys, which these keyrings
// lack, so rotation here touches only this file's rows.
const K1 = 'rot-k1';
const K2 = 'rot-k2';
const APPS = 300;
// Creates in flight at once. sendWithEnv runs them all in the test's own
// request context, where workerd allows 6 open connections (the libSQL
// target's HTTP calls queue behind them): 50 at once stalls that target.
const WAVE = 10;
const ONLY_K1 = keyring([K1], K1);
const K1_K2 = keyring([K1, K2], K2);
const ONLY_K2 = keyring([K2], K2);

let owner: TestToken;
let operator: TestToken;
const secrets = new Map<string, string>();

const as = (keyringSecret: string, req: Request) => sendWithEnv(req, { ENCRYPTION_KEYRING: keyringSecret });

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** Every app of the owner, page by page, shown with `keyringSecret`. */
async function allApps(keyringSecret: string, query: Record<string, string> = {}): Promise<AppObject[]> {
  const apps: AppObject[] = [];
  let after: string | undefined;
  for (;;) {
    const qs = new URLSearchParams({ ...query, limit: '100', ...(after ? { starting_after: after } : {}) });
    const page = await json<{ data: AppObject[]; has_more: boolean }>(
      await as(keyringSecret, request('GET', `/v1/oauth-apps?${qs}`, { token: owner.token })),
    );
    apps.push(...page.data);
    if (!page.has_more) return apps;
    after = page.data.at(-1)!.id;
  }
}

async function keyIdsOfOwner(): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    'SELECT client_secret_key_id AS k, count(*) AS n FROM oauth_apps WHERE account_id = ? GROUP BY 1',
  )
    .bind(owner.accountId)
    .all<{ k: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.k, r.n]));
}

interface Rotated {
  primary_key_id: string;
  reencrypted: number;
  failed: number;
  raced: number;
  remaining: number;
}

const rotate = (keyringSecret: string, limit?: number) =>
  as(
    keyringSecret,
    request('POST', '/v1/encryption-keys/rotate', { token: operator.token, ...(limit ? { body: { limit } } : {}) }),
  );

beforeAll(async () => {
  owner = await newCaller();
  operator = await createToken(await createAccount(), ['keys:manage']);
  // 300 apps under {k1}, in waves of concurrent creates.
  for (let wave = 0; wave < APPS / WAVE; wave++) {
    await Promise.all(
      Array.from({ length: WAVE }, async () => {
        const body = seedBody();
        const app = await json<AppObject>(await as(ONLY_K1, request('POST', '/v1/oauth-apps', { token: owner.token, body })));
        secrets.set(app.id, body.client_secret as string);
      }),
    );
  }
}, 120_000);

describe(`key rotation: ${APPS} secrets, k1 -> {k1, k2 primary} -> rotation -> k2 alone`, () => {
  it('under {k1}: every secret is under k1 and healthy', async () => {
    expect(await keyIdsOfOwner()).toEqual({ [K1]: APPS });
    const apps = await allApps(ONLY_K1);
    expect(apps).toHaveLength(APPS);
    expect(new Set(apps.map((a) => a.health.status))).toEqual(new Set(['ok']));
  });

  let newApp: AppObject;
  it('with {k1, k2 primary}: new secrets go under k2; old ones read fine and show warn', async () => {
    const body = seedBody();
    newApp = await json<AppObject>(await as(K1_K2, request('POST', '/v1/oauth-apps', { token: owner.token, body })));
    secrets.set(newApp.id, body.client_secret as string);
    expect(newApp.health).toMatchObject({ status: 'ok', notes: [] });
    expect(await keyIdsOfOwner()).toEqual({ [K1]: APPS, [K2]: 1 });

    const revealed = await allApps(K1_K2, { truncate_secrets: 'false' });
    expect(revealed).toHaveLength(APPS + 1);
    for (const app of revealed) {
      expect(app.client_secret).toBe(secrets.get(app.id));
      if (app.id === newApp.id) continue;
      expect(app.health.status).toBe('warn');
      expect(app.health.notes).toEqual([
        `The client secret is encrypted with the older key "${K1}"; re-encryption under the primary key "${K2}" is pending.`,
      ]);
    }
    // The list filter shows health as computed.
    expect(await allApps(K1_K2, { 'health.status': 'warn' })).toHaveLength(APPS);
    expect((await allApps(K1_K2, { 'health.status': 'ok' })).map((a) => a.id)).toEqual([newApp.id]);
    expect(await allApps(K1_K2, { 'health.status': 'error' })).toHaveLength(0);
  });

  it('keys status counts the secrets per key id', async () => {
    const status = await json<{ primary: string; pending: number; data: { id: string; secrets: number; in_keyring: boolean }[] }>(
      await as(K1_K2, request('GET', '/v1/encryption-keys', { token: operator.token })),
    );
    expect(status.primary).toBe(K2);
    const k1 = status.data.find((k) => k.id === K1)!;
    const k2 = status.data.find((k) => k.id === K2)!;
    expect(k1).toEqual({ id: K1, primary: false, in_keyring: true, secrets: APPS, errors: 0 });
    expect(k2).toEqual({ id: K2, primary: true, in_keyring: true, secrets: 1, errors: 0 });
    expect(status.pending).toBe(APPS);
  });

  it('the cron re-encrypts one bounded batch; the operator endpoint drives the rest to completion', async () => {
    await runScheduled(new Date(), { ENCRYPTION_KEYRING: K1_K2 });
    expect(await keyIdsOfOwner()).toEqual({ [K1]: APPS - SCHEDULED_ROTATION_BATCH, [K2]: 1 + SCHEDULED_ROTATION_BATCH });

    let batches = 0;
    for (;;) {
      const batch = await json<Rotated>(await rotate(K1_K2, 100));
      expect(batch.primary_key_id).toBe(K2);
      expect(batch.failed).toBe(0);
      batches++;
      if (batch.remaining === 0) break;
      expect(batches).toBeLessThan(50);
    }
    // Idempotent: once done, another call does nothing.
    expect(await json<Rotated>(await rotate(K1_K2))).toMatchObject({ reencrypted: 0, remaining: 0 });
    expect(await keyIdsOfOwner()).toEqual({ [K2]: APPS + 1 });
  });

  it('after rotation: every secret decrypts to its original, health ok, one re-encryption event per row', async () => {
    const revealed = await allApps(K1_K2, { truncate_secrets: 'false' });
    expect(revealed).toHaveLength(APPS + 1);
    for (const app of revealed) {
      expect(app.client_secret).toBe(secrets.get(app.id));
      expect(app.health.status).toBe('ok');
    }
    const { results } = await env.DB.prepare(
      "SELECT app_id, details, token_id, request_id FROM audit_events WHERE account_id = ? AND action = 'oauth_app.secret_reencrypted'",
    )
      .bind(owner.accountId)
      .all<{ app_id: string; details: string; token_id: string | null; request_id: string }>();
    expect(results).toHaveLength(APPS);
    expect(new Set(results.map((r) => r.app_id)).size).toBe(APPS);
    for (const r of results) expect(JSON.parse(r.details)).toEqual({ from_key_id: K1, key_id: K2 });
    // Neither the cron's batch nor the operator's calls put a token or a request id in the tenant's trail: run ids.
    for (const r of results) {
      expect(r.token_id).toBeNull();
      expect(r.request_id).toMatch(/^run_[0-9a-f]{32}$/);
    }
    // The operator's calls are in the operator's own trail, with its token, each naming its run and what it did.
    const runs = await env.DB.prepare(
      "SELECT details, token_id, request_id, app_id, app_ids FROM audit_events WHERE account_id = ? AND action = 'encryption_keys.rotated'",
    )
      .bind(operator.accountId)
      .all<{ details: string; token_id: string; request_id: string; app_id: string | null; app_ids: string }>();
    expect(runs.results.length).toBeGreaterThan(0);
    let byOperator = 0;
    for (const run of runs.results) {
      expect(run.token_id).toBe(operator.tokenId);
      expect(run.request_id).toMatch(/^req_/);
      expect([run.app_id, run.app_ids]).toEqual([null, '[]']);
      const details = JSON.parse(run.details) as { run_id: string; key_id: string; reencrypted: number; failed: number };
      // Counted across every account the run reached.
      const own = await env.DB.prepare('SELECT count(*) AS n FROM audit_events WHERE request_id = ?').bind(details.run_id).first<{ n: number }>();
      expect(details.reencrypted).toBe(own!.n);
      expect(details.key_id).toBe(K2);
      byOperator += results.filter((r) => r.request_id === details.run_id).length;
    }
    // Some secrets were moved by the cron (no operator event), the rest by the operator's runs.
    expect(byOperator).toBeGreaterThan(0);
    expect(byOperator).toBeLessThan(APPS);
  });

  it('with k1 dropped ({k2}): nothing breaks', async () => {
    const revealed = await allApps(ONLY_K2, { truncate_secrets: 'false' });
    expect(revealed).toHaveLength(APPS + 1);
    for (const app of revealed) {
      expect(app.client_secret).toBe(secrets.get(app.id));
      expect(app.health).toMatchObject({ status: 'ok', notes: [] });
    }
    const patched = await as(ONLY_K2, request('PATCH', `/v1/oauth-apps/${newApp.id}`, { token: owner.token, body: { name: 'still works' } }));
    expect(patched.status).toBe(200);
  });
});
