// Idempotency-Key on POST and PATCH: replay, conflicts, what does not consume
// a key, leases, expiry and the scheduled purge.
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto/encoding';
import { canonicalJson } from '../../src/util/canonical-json';
import {
  createdApp,
  newCaller,
  newSecret,
  oauthAppCount,
  patchApp,
  request,
  runScheduled,
  seedBody,
  send,
  sendWithEnv,
  type AppObject,
  type TestToken,
  env,
} from '../support/fixtures';

let caller: TestToken;
beforeAll(async () => {
  caller = await newCaller();
});

const key = () => `key-${crypto.randomUUID()}`;
const post = (token: string, body: unknown, idempotencyKey: string) =>
  send(request('POST', '/v1/oauth-apps', { token, body, headers: { 'Idempotency-Key': idempotencyKey } }));

async function keyRow(accountId: string, k: string) {
  return env.DB.prepare('SELECT * FROM idempotency_keys WHERE account_id = ? AND key = ?')
    .bind(accountId, k)
    .first<Record<string, unknown>>();
}

describe('replay', () => {
  it('the same key and request replays the stored answer byte for byte, and writes nothing again', async () => {
    const k = key();
    const body = seedBody();
    const first = await post(caller.token, body, k);
    expect(first.status).toBe(200);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    const firstText = await first.text();
    const count = await oauthAppCount();

    // Key order and whitespace do not make it another request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await post(caller.token, reordered, k);
    expect(second.status).toBe(200);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(second.headers.get('ETag')).toBe(first.headers.get('ETag'));
    expect(second.headers.get('Request-Id')).not.toBe(first.headers.get('Request-Id'));
    expect(await second.text()).toBe(firstText);
    expect(await oauthAppCount()).toBe(count);
  });

  it('the answer is stored with the row, in the same batch', async () => {
    const k = key();
    const res = await post(caller.token, seedBody(), k);
    const app = (await res.json()) as AppObject;
    const row = await keyRow(caller.accountId, k);
    expect(row).toMatchObject({ state: 'complete', response_status: 200 });
    expect(JSON.parse(row!.response_body as string)).toEqual(app);
    // No secret in the stored answer.
    expect((row!.response_body as string).includes('sk-test-')).toBe(false);
  });

  it('the record holds no secret, and its fingerprint is keyed, not a plain hash of the body', async () => {
    const app = await createdApp(caller.token);
    const k = key();
    const secret = newSecret();
    const res = await patchApp(caller.token, app.id, { client_secret: secret }, { 'Idempotency-Key': k });
    expect(res.status).toBe(200);
    const row = (await keyRow(caller.accountId, k))!;
    expect(JSON.stringify(row).includes(secret)).toBe(false);
    const plain = await sha256Hex(`PATCH /v1/oauth-apps/${app.id}\n${canonicalJson({ client_secret: secret })}`);
    expect(row.fingerprint).toMatch(/^test-k1:[0-9a-f]{64}$/);
    expect(row.fingerprint).not.toContain(plain);
  });

  it('the same key with a different request is 422 and changes nothing', async () => {
    const k = key();
    expect((await post(caller.token, seedBody(), k)).status).toBe(200);
    const count = await oauthAppCount();
    const res = await post(caller.token, seedBody(), k);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { summary: string }).summary).toMatch(/different request/);
    expect(await oauthAppCount()).toBe(count);
  });

  it('the same key on another path or method is another request: 422', async () => {
    const k = key();
    const app = await createdApp(caller.token);
    expect((await patchApp(caller.token, app.id, { name: 'a' }, { 'Idempotency-Key': k })).status).toBe(200);
    const other = await createdApp(caller.token);
    expect((await patchApp(caller.token, other.id, { name: 'a' }, { 'Idempotency-Key': k })).status).toBe(422);
  });

  it('keys belong to an account: another account may use the same key', async () => {
    const k = key();
    const other = await newCaller();
    expect((await post(caller.token, seedBody(), k)).status).toBe(200);
    const res = await post(other.token, seedBody(), k);
    expect(res.status).toBe(200);
    expect(res.headers.get('Idempotent-Replayed')).toBeNull();
  });

  it('an endpoint error (409 duplicate) is stored and replayed too', async () => {
    const body = seedBody();
    await createdApp(caller.token, body);
    const k = key();
    const first = await post(caller.token, body, k);
    expect(first.status).toBe(409);
    const again = await post(caller.token, body, k);
    expect(again.status).toBe(409);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await again.text()).toBe(await first.text());
  });

  it('PATCH: replayed, and the app is written once', async () => {
    const app = await createdApp(caller.token);
    const k = key();
    const first = await patchApp(caller.token, app.id, { name: 'once' }, { 'Idempotency-Key': k });
    const second = await patchApp(caller.token, app.id, { name: 'once' }, { 'Idempotency-Key': k });
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await second.text()).toBe(await first.text());
    const version = await env.DB.prepare('SELECT version FROM oauth_apps WHERE id = ?').bind(app.id).first<number>('version');
    expect(version).toBe(2);
  });
});

describe('concurrency', () => {
  it('20 concurrent requests with one key create exactly one app; every answer is that answer or 409', async () => {
    const k = key();
    const body = seedBody();
    const count = await oauthAppCount();
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(caller.token, body, k)));
    const texts = await Promise.all(responses.map((r) => r.text()));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const ok = texts.filter((_, i) => statuses[i] === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok).size).toBe(1);
    expect(await oauthAppCount()).toBe(count + 1);
    for (const [i, res] of responses.entries()) {
      if (statuses[i] === 409) expect(JSON.parse(texts[i]!).summary).toMatch(/still in progress/);
      else expect(res.headers.get('Request-Id')).toBeTruthy();
    }
  });
});

describe('what does not consume a key', () => {
  it('a validation 422 is not stored: the corrected request with the same key runs', async () => {
    const k = key();
    const bad = await post(caller.token, seedBody({ provider: 'myspace' }), k);
    expect(bad.status).toBe(422);
    expect(await keyRow(caller.accountId, k)).toBeNull();
    const good = await post(caller.token, seedBody(), k);
    expect(good.status).toBe(200);
    expect(good.headers.get('Idempotent-Replayed')).toBeNull();
  });

  it('401 and 403 are not stored', async () => {
    const k = key();
    const reader = await newCaller(['oauth_apps:read']);
    expect((await post(reader.token, seedBody(), k)).status).toBe(403);
    expect((await post('oat_' + 'x'.repeat(43), seedBody(), k)).status).toBe(401);
    expect(await keyRow(reader.accountId, k)).toBeNull();
  });

  it('a 5xx releases the key: the retry runs', async () => {
    const k = key();
    const body = seedBody();
    const failed = await sendWithEnv(
      request('POST', '/v1/oauth-apps', { token: caller.token, body, headers: { 'Idempotency-Key': k } }),
      { ENCRYPTION_KEYRING: 'broken' },
    );
    expect(failed.status).toBe(500);
    expect(await keyRow(caller.accountId, k)).toBeNull();
    const retry = await post(caller.token, body, k);
    expect(retry.status).toBe(200);
  });

  it('a reservation whose lease lapsed (its request died) is taken over by the retry', async () => {
    const k = key();
    const body = seedBody();
    // What a request that died mid-way leaves: a pending reservation.
    const past = new Date(Date.now() - 1000).toISOString();
    const later = new Date(Date.now() + 86_400_000).toISOString();
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (account_id, key, fingerprint, reservation_id, state, lease_expires_at, created_at, expires_at) VALUES (?, ?, 'x', 'dead', 'pending', ?, ?, ?)",
    )
      .bind(caller.accountId, k, past, past, later)
      .run();
    const res = await post(caller.token, body, k);
    expect(res.status).toBe(200);
  });

  it('a live reservation answers 409 to a second request', async () => {
    const k = key();
    const body = seedBody();
    const first = await post(caller.token, body, k);
    expect(first.status).toBe(200);
    // Make it look still running.
    await env.DB.prepare("UPDATE idempotency_keys SET state = 'pending', lease_expires_at = ? WHERE key = ?")
      .bind(new Date(Date.now() + 60_000).toISOString(), k)
      .run();
    expect((await post(caller.token, body, k)).status).toBe(409);
  });

  it('an invalid key is 400 and changes nothing', async () => {
    const count = await oauthAppCount();
    for (const bad of ['k'.repeat(256), 'caf\u00e9', 'tab\there']) {
      const res = await send(
        request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody(), headers: { 'Idempotency-Key': bad } }),
      ).catch(() => undefined);
      // Some of these cannot even be sent as a header; those that can are refused.
      if (res) expect(res.status).toBe(400);
    }
    expect(await oauthAppCount()).toBe(count);
  });
});

describe('expiry and the scheduled purge', () => {
  it('an expired record is ignored, and the purge deletes expired records only', async () => {
    const k = key();
    expect((await post(caller.token, seedBody(), k)).status).toBe(200);
    await env.DB.prepare('UPDATE idempotency_keys SET expires_at = ? WHERE key = ?')
      .bind(new Date(Date.now() - 1).toISOString(), k)
      .run();
    // Expired: a different request with the same key runs as new.
    const fresh = await post(caller.token, seedBody(), k);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('Idempotent-Replayed')).toBeNull();

    const live = key();
    await post(caller.token, seedBody(), live);
    const expiredKey = key();
    await post(caller.token, seedBody(), expiredKey);
    await env.DB.prepare('UPDATE idempotency_keys SET expires_at = ? WHERE key = ?')
      .bind(new Date(Date.now() - 1).toISOString(), expiredKey)
      .run();
    await runScheduled(new Date());
    expect(await keyRow(caller.accountId, expiredKey)).toBeNull();
    expect(await keyRow(caller.accountId, live)).not.toBeNull();
  });

  it('records are kept 24 hours', async () => {
    const k = key();
    await post(caller.token, seedBody(), k);
    const row = await keyRow(caller.accountId, k);
    const ttl = Date.parse(row!.expires_at as string) - Date.parse(row!.created_at as string);
    expect(ttl).toBe(24 * 60 * 60 * 1000);
  });
});
