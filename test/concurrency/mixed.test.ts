// 500 concurrent mixed requests against one server — creates (some with an
// Idempotency-Key, each of those sent twice at once), patches (some with a
// stale If-Match), deletes (some of the same app twice), gets and lists — then
// the database is compared with a model built only from the answers:
// everything acknowledged is there, nothing refused was written, each app's
// version counts exactly its acknowledged patches, and the audit trail has one
// event per acknowledged change.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/crypto/keyring';
import { oauthApps } from '../../src/db/schema';
import { revealClientSecret } from '../../src/oauth-apps/oauth-apps.service';
import { db, env, newCaller, newSecret, request, seedBody, sendMany, type AppObject, type TestToken } from '../support/fixtures';

const PRESET = 60;
// All in flight at once, on every target (the libSQL server sees them one at a
// time: serialize() in test/support/sqld.ts says why).
const IN_FLIGHT = 500;

let caller: TestToken;
let preset: AppObject[];
beforeAll(async () => {
  caller = await newCaller();
  preset = [];
  for (let i = 0; i < PRESET; i++) {
    const res = await sendMany(request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody({ name: `preset-${i}` }) }));
    expect(res.status).toBe(200);
    preset.push((await res.json()) as AppObject);
  }
}, 120_000);

interface Sent {
  kind: 'create' | 'patch' | 'delete' | 'get' | 'list';
  appId?: string;
  clientId?: string;
  idempotencyKey?: string;
  name?: string;
  secret?: string;
  status?: number;
  body?: Record<string, unknown>;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function build(): Sent[] {
  const sent: Sent[] = [];
  for (let i = 0; i < 110; i++) sent.push({ kind: 'create', clientId: `plain-${i}`, secret: newSecret() });
  for (let i = 0; i < 40; i++) {
    const create = { kind: 'create' as const, clientId: `keyed-${i}`, secret: newSecret(), idempotencyKey: crypto.randomUUID() };
    sent.push(create, { ...create }); // the same request twice, at once: a client's retry
  }
  for (let i = 0; i < 120; i++) {
    const app = preset[i % 40]!; // apps 0-39 patched three times each
    sent.push({ kind: 'patch', appId: app.id, name: `patched-${i}`, ...(i % 3 === 0 ? { secret: newSecret() } : {}) });
  }
  for (let i = 0; i < 10; i++) sent.push({ kind: 'patch', appId: preset[i]!.id, name: `stale-${i}`, body: { ifMatch: '"v0"' } });
  for (let i = 30; i < 60; i++) sent.push({ kind: 'delete', appId: preset[i]!.id }); // 30-39 are patched too
  for (let i = 50; i < 60; i++) sent.push({ kind: 'delete', appId: preset[i]!.id }); // deleted twice
  for (let i = 0; i < 20; i++) sent.push({ kind: 'get', appId: preset[i]!.id });
  while (sent.length < 500) sent.push({ kind: 'list' });
  return shuffle(sent);
}

function toRequest(s: Sent): Request {
  const token = caller.token;
  switch (s.kind) {
    case 'create':
      return request('POST', '/v1/oauth-apps', {
        token,
        body: { provider: 'github', client_id: s.clientId, client_secret: s.secret, name: `created ${s.clientId}` },
        headers: s.idempotencyKey ? { 'Idempotency-Key': s.idempotencyKey } : {},
      });
    case 'patch':
      return request('PATCH', `/v1/oauth-apps/${s.appId}`, {
        token,
        body: { name: s.name, ...(s.secret ? { client_secret: s.secret } : {}) },
        headers: s.body?.ifMatch ? { 'If-Match': s.body.ifMatch as string } : {},
      });
    case 'delete':
      return request('DELETE', `/v1/oauth-apps/${s.appId}`, { token });
    case 'get':
      return request('GET', `/v1/oauth-apps/${s.appId}`, { token });
    case 'list':
      return request('GET', '/v1/oauth-apps?limit=100', { token });
  }
}

const ok = (s: Sent) => s.status === 200;

describe('500 concurrent mixed requests', () => {
  it('end with a database that matches what was acknowledged', async () => {
    const sent = build();
    expect(sent).toHaveLength(500);
    // All at once (on the D1 Worker as direct handler calls, see sendMany()).
    const burst = sendMany;
    const queue = [...sent];
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) {
          const res = await burst(toRequest(s));
          s.status = res.status;
          s.body = (await res.json()) as Record<string, unknown>;
        }
      }),
    );
    const statuses: Record<string, number> = {};
    for (const s of sent) statuses[`${s.kind} ${s.status}`] = (statuses[`${s.kind} ${s.status}`] ?? 0) + 1;
    console.log(`500 concurrent: ${JSON.stringify(statuses)}`);
    // Only documented outcomes: 200, or the conflicts and refusals this mix can meet.
    for (const s of sent) expect([200, 404, 409, 412, 503]).toContain(s.status);

    const { results: rows } = await env.DB.prepare('SELECT id, client_id, name, version FROM oauth_apps WHERE account_id = ?')
      .bind(caller.accountId)
      .all<{ id: string; client_id: string; name: string; version: number }>();
    const byClient = new Map(rows.map((r) => [r.client_id, r]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    // Secrets read back from the stored rows with the keyring (no more requests).
    const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
    const reveal = async (id: string) => {
      const [row] = await db().select().from(oauthApps).where(eq(oauthApps.id, id));
      return revealClientSecret(keyring, row!);
    };

    // Creates: a row exactly for the acknowledged ones, with the secret sent; a retried key made one row.
    const creates = sent.filter((s) => s.kind === 'create');
    for (const clientId of new Set(creates.map((s) => s.clientId!))) {
      const attempts = creates.filter((s) => s.clientId === clientId);
      const acked = attempts.filter(ok);
      const row = byClient.get(clientId);
      if (acked.length === 0) {
        expect(row, `${clientId} was refused but written`).toBeUndefined();
        continue;
      }
      expect(row, `${clientId} was acknowledged but is missing`).toBeDefined();
      for (const a of acked) expect(a.body!.id).toBe(row!.id); // a replay names the same app
      expect(await reveal(row!.id)).toBe(attempts[0]!.secret);
    }
    expect(rows.filter((r) => r.client_id.startsWith('keyed-') || r.client_id.startsWith('plain-'))).toHaveLength(
      new Set(creates.filter(ok).map((s) => s.clientId)).size,
    );

    // Deletes: an acknowledged delete leaves no row; of two deletes of one app, one is 200 and one 404.
    const deletes = sent.filter((s) => s.kind === 'delete');
    for (const id of new Set(deletes.map((s) => s.appId!))) {
      const acked = deletes.filter((s) => s.appId === id && ok(s));
      expect(acked.length).toBeLessThanOrEqual(1);
      if (acked.length === 1) expect(byId.has(id)).toBe(false);
      else expect(deletes.filter((s) => s.appId === id).every((s) => s.status === 503)).toBe(true);
    }

    // Patches: a surviving app's version is 1 + its acknowledged patches; its name and secret are one acknowledged patch's.
    const patches = sent.filter((s) => s.kind === 'patch');
    for (const app of preset) {
      const row = byId.get(app.id);
      const acked = patches.filter((s) => s.appId === app.id && ok(s));
      const refused = patches.filter((s) => s.appId === app.id && !ok(s));
      if (!row) continue; // deleted (checked above)
      expect(row.version, `${app.name}: version`).toBe(1 + acked.length);
      if (acked.length === 0) expect(row.name).toBe(app.name);
      else expect(acked.map((s) => s.name)).toContain(row.name);
      for (const r of refused) expect(row.name).not.toBe(r.name);
      const secretPatches = acked.filter((s) => s.secret);
      if (secretPatches.length > 0) expect(secretPatches.map((s) => s.secret)).toContain(await reveal(app.id));
    }
    for (const s of patches.filter((p) => p.name!.startsWith('stale-'))) expect(s.status).toBe(412);

    // The audit trail: one event per acknowledged change, none for the rest.
    const { results: events } = await env.DB.prepare(
      "SELECT action, count(*) AS n FROM audit_events WHERE account_id = ? AND action != 'oauth_app.secret_revealed' GROUP BY action",
    )
      .bind(caller.accountId)
      .all<{ action: string; n: number }>();
    const counted = Object.fromEntries(events.map((e) => [e.action, e.n]));
    expect(counted).toEqual({
      'oauth_app.created': PRESET + new Set(creates.filter(ok).map((s) => s.clientId)).size,
      ...(patches.some(ok) ? { 'oauth_app.updated': patches.filter(ok).length } : {}),
      'oauth_app.deleted': deletes.filter(ok).length,
    });

    // Reads answered, and lists held at most a page.
    for (const s of sent.filter((x) => x.kind === 'list')) expect((s.body!.data as unknown[]).length).toBeLessThanOrEqual(100);
  }, 120_000);
});
