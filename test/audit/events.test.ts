// The audit trail: one event per mutation (and per disclosed secret), written
// in the same batch as the change; none for a request that changed nothing;
// never a secret or a token. GET /v1/events reads it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppObject } from '../support/fixtures';
import {
  createApp,
  createdApp,
  deleteApp,
  env,
  getApp,
  listApps,
  newCaller,
  newSecret,
  patchApp,
  request,
  seedBody,
  send,
  type TestToken,
} from '../support/fixtures';

interface EventObject {
  id: string;
  action: string;
  app_id: string;
  details: Record<string, unknown>;
  token_id: string | null;
  request_id: string;
  created_at: string;
}

let owner: TestToken;
beforeAll(async () => {
  owner = await newCaller();
});

async function rawEvents(accountId = owner.accountId): Promise<Record<string, unknown>[]> {
  const { results } = await env.DB.prepare('SELECT * FROM audit_events WHERE account_id = ? ORDER BY seq').bind(accountId).all();
  return results;
}

async function eventCount(): Promise<number> {
  return (await rawEvents()).length;
}

async function events(token: string, query: Record<string, string> = {}): Promise<Response> {
  const qs = new URLSearchParams(query).toString();
  return send(request('GET', `/v1/events${qs ? `?${qs}` : ''}`, { token }));
}

async function page(token: string, query: Record<string, string> = {}): Promise<{ data: EventObject[]; has_more: boolean }> {
  const res = await events(token, query);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { data: EventObject[]; has_more: boolean };
}

describe('one event per mutation', () => {
  it('create, update (field names only), reveal, delete: each exactly one, with token, request id and app id', async () => {
    const before = await eventCount();
    const body = seedBody();
    const created = await createApp(owner.token, body);
    expect(created.status).toBe(200);
    const app = (await created.json()) as AppObject;
    const renamed = await patchApp(owner.token, app.id, { name: 'Renamed', metadata: { tier: 'gold' } });
    const rekeyed = await patchApp(owner.token, app.id, { client_secret: newSecret() });
    const revealed = await getApp(owner.token, app.id, '?truncate_secrets=false');
    const deleted = await deleteApp(owner.token, app.id);
    for (const res of [renamed, rekeyed, revealed, deleted]) expect(res.status).toBe(200);

    const rows = (await rawEvents()).slice(before);
    expect(rows.map((r) => r.action)).toEqual([
      'oauth_app.created',
      'oauth_app.updated',
      'oauth_app.updated',
      'oauth_app.secret_revealed',
      'oauth_app.deleted',
    ]);
    const responses = [created, renamed, rekeyed, revealed, deleted];
    rows.forEach((row, i) => {
      expect(row.app_id).toBe(app.id);
      expect(row.token_id).toBe(owner.tokenId);
      expect(row.request_id).toBe(responses[i]!.headers.get('Request-Id'));
    });
    expect(JSON.parse(rows[1]!.details as string)).toEqual({ fields: ['name', 'metadata'] });
    expect(JSON.parse(rows[2]!.details as string)).toEqual({ fields: ['client_secret'], key_id: 'test-k1' });
    expect(JSON.parse(rows[0]!.details as string)).toEqual({ key_id: 'test-k1' });
  });

  it('a page of revealed secrets: one event naming every app shown', async () => {
    const caller = await newCaller();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createdApp(caller.token)).id);
    const res = await listApps(caller.token, { truncate_secrets: 'false' });
    expect(res.status).toBe(200);
    const reveals = (await rawEvents(caller.accountId)).filter((r) => r.action === 'oauth_app.secret_revealed');
    expect(reveals).toHaveLength(1);
    expect(reveals[0]!.app_id).toBeNull();
    expect(new Set(JSON.parse(reveals[0]!.app_ids as string) as string[])).toEqual(new Set(ids));
  });

  it('no event for a request that changes nothing or fails', async () => {
    const app = await createdApp(owner.token);
    const before = await eventCount();
    const reader = await newCaller(['oauth_apps:read']);
    const refused = [
      await createApp(owner.token, { ...seedBody(), provider: 'nope' }), // 422
      await createApp(owner.token, seedBody({ client_id: 'dup' })).then(() => createApp(owner.token, seedBody({ client_id: 'dup' }))), // 409
      await patchApp(owner.token, app.id, { name: 'x' }, { 'If-Match': '"v99"' }), // 412
      await patchApp(owner.token, app.id, {}), // nothing to change: 200, no write
      await patchApp(owner.token, app.id, { name: app.name }), // same value: no write
      await deleteApp(owner.token, crypto.randomUUID()), // 404
      await deleteApp(reader.token, app.id), // 403
      await getApp(owner.token, app.id), // a masked read
    ];
    expect(refused.map((r) => r.status)).toEqual([422, 409, 412, 200, 200, 404, 403, 200]);
    // The one successful create of 'dup' is the only new event.
    const added = (await rawEvents()).slice(before);
    expect(added.map((r) => r.action)).toEqual(['oauth_app.created']);
  });

  it('an idempotent replay adds no event', async () => {
    const headers = { 'Idempotency-Key': crypto.randomUUID() };
    const body = seedBody();
    const first = await send(request('POST', '/v1/oauth-apps', { token: owner.token, body, headers }));
    expect(first.status).toBe(200);
    const before = await eventCount();
    const again = await send(request('POST', '/v1/oauth-apps', { token: owner.token, body, headers }));
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await eventCount()).toBe(before);
  });

  it('no event holds a secret or a token: the raw table, every column', async () => {
    const caller = await newCaller();
    const secret = newSecret();
    const app = await createdApp(caller.token, { client_secret: secret, metadata: { note: 'meta-value-1' } });
    const next = newSecret();
    await patchApp(caller.token, app.id, { client_secret: next, name: 'renamed-value-1' });
    await getApp(caller.token, app.id, '?truncate_secrets=false');
    await deleteApp(caller.token, app.id);
    const rows = await rawEvents(caller.accountId);
    expect(rows).toHaveLength(4);
    const text = JSON.stringify(rows);
    for (const value of [secret, next, caller.token, 'meta-value-1', 'renamed-value-1']) expect(text).not.toContain(value);
    // Nor the stored ciphertexts, nor the token's hash.
    const hash = await env.DB.prepare('SELECT token_hash AS h FROM api_tokens WHERE id = ?').bind(caller.tokenId).first<{ h: string }>();
    expect(text).not.toContain(hash!.h);
  });
});

describe('GET /v1/events', () => {
  let caller: TestToken;
  let apps: AppObject[];
  beforeAll(async () => {
    caller = await newCaller();
    apps = [await createdApp(caller.token), await createdApp(caller.token), await createdApp(caller.token)];
    await patchApp(caller.token, apps[0]!.id, { name: 'one' });
    await deleteApp(caller.token, apps[2]!.id);
  });

  it('newest first, paginated like the app list', async () => {
    const all = await page(caller.token);
    expect(all.has_more).toBe(false);
    expect(all.data.map((e) => [e.action, e.app_id])).toEqual([
      ['oauth_app.deleted', apps[2]!.id],
      ['oauth_app.updated', apps[0]!.id],
      ['oauth_app.created', apps[2]!.id],
      ['oauth_app.created', apps[1]!.id],
      ['oauth_app.created', apps[0]!.id],
    ]);
    expect(all.data[0]).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      action: 'oauth_app.deleted',
      app_id: apps[2]!.id,
      app_ids: [apps[2]!.id],
      details: {},
      token_id: caller.tokenId,
      request_id: expect.stringMatching(/^req_/),
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    const first = await page(caller.token, { limit: '2' });
    expect(first.has_more).toBe(true);
    const second = await page(caller.token, { limit: '2', starting_after: first.data[1]!.id });
    const third = await page(caller.token, { limit: '2', starting_after: second.data[1]!.id });
    expect(third.has_more).toBe(false);
    expect([...first.data, ...second.data, ...third.data].map((e) => e.id)).toEqual(all.data.map((e) => e.id));
  });

  it('filters by app id (also a deleted app) and by action', async () => {
    expect((await page(caller.token, { app_id: apps[2]!.id })).data.map((e) => e.action)).toEqual([
      'oauth_app.deleted',
      'oauth_app.created',
    ]);
    expect((await page(caller.token, { action: 'oauth_app.created' })).data).toHaveLength(3);
    expect((await page(caller.token, { action: 'oauth_app.updated', app_id: apps[1]!.id })).data).toHaveLength(0);
  });

  it("shows only the caller's account", async () => {
    const stranger = await newCaller();
    expect((await page(stranger.token)).data).toEqual([]);
    expect((await page(stranger.token, { app_id: apps[0]!.id })).data).toEqual([]);
  });

  it('needs oauth_apps:read (oauth_apps:write implies it); bad queries are 422 in the error shape', async () => {
    const writer = await newCaller(['oauth_apps:write']);
    expect((await events(writer.token)).status).toBe(200);
    const secretsOnly = await newCaller(['oauth_apps:secrets']);
    expect((await events(secretsOnly.token)).status).toBe(403);
    expect((await events('')).status).toBe(401);
    for (const [query, field] of [
      [{ action: 'oauth_app.exploded' }, 'action'],
      [{ app_id: 'not-an-id' }, 'app_id'],
      [{ starting_after: 'evt_nope' }, 'starting_after'],
      [{ starting_after: `evt_${'0'.repeat(32)}` }, 'starting_after'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ surprise: '1' }, 'surprise'],
    ] as const) {
      const res = await events(caller.token, query);
      expect(res.status, JSON.stringify(query)).toBe(422);
      const body = (await res.json()) as { summary: string; validation_errors: Record<string, string[]> };
      expect(Object.keys(body.validation_errors)).toEqual([field]);
    }
    // Another account's event id is an unknown cursor.
    const other = (await page(owner.token, { limit: '1' })).data[0]!;
    expect((await events(caller.token, { starting_after: other.id })).status).toBe(422);
    expect((await send(request('POST', '/v1/events', { token: caller.token }))).status).toBe(405);
  });
});
