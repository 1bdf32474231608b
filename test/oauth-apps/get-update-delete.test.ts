// GET, PATCH and DELETE /v1/oauth-apps/{id}, secrets on request, ETags, isolation.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/crypto/keyring';
import { eq } from 'drizzle-orm';
import { oauthApps } from '../../src/db/schema';
import { revealClientSecret } from '../../src/oauth-apps/oauth-apps.service';
import {
  createToken,
  createdApp,
  db,
  deleteApp,
  getApp,
  newCaller,
  newSecret,
  oauthAppCount,
  patchApp,
  rawRow,
  request,
  send,
  type AppObject,
  type TestToken,
  env,
} from '../support/fixtures';

let owner: TestToken;
let other: TestToken;
let reader: TestToken;
beforeAll(async () => {
  owner = await newCaller();
  other = await newCaller();
  reader = await newCaller(['oauth_apps:read']);
});

async function storedSecret(id: string): Promise<string> {
  const [row] = await db().select().from(oauthApps).where(eq(oauthApps.id, id));
  return revealClientSecret(await loadKeyring(env.ENCRYPTION_KEYRING), row!);
}

async function expectError(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Record<string, unknown>;
  expect(typeof body.summary).toBe('string');
  expect(body.request_id).toBe(res.headers.get('Request-Id'));
  return body;
}

describe('GET /v1/oauth-apps/{id}', () => {
  it('answers the bare object, masked, with an ETag', async () => {
    const app = await createdApp(owner.token);
    const res = await getApp(owner.token, app.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(app);
    expect(res.headers.get('ETag')).toBe('"v1"');
  });

  it('needs oauth_apps:read, which oauth_apps:write implies', async () => {
    const app = await createdApp(owner.token);
    const secretsOnly = await newCaller(['oauth_apps:secrets']);
    await expectError(await getApp(secretsOnly.token, app.id), 403);
    // A write answers with the whole app, so write could never be write-only: it reads too (in its own account).
    const writer = await createToken(owner.accountId, ['oauth_apps:write']);
    expect((await getApp(writer.token, app.id)).status).toBe(200);
    // Never the secret: that stays the secrets scope's.
    await expectError(await getApp(writer.token, app.id, '?truncate_secrets=false'), 403);
  });

  it('answers the same 404 for a malformed id, a missing id and another account’s app', async () => {
    const app = await createdApp(owner.token);
    const bodies = [];
    for (const [token, id] of [
      [owner.token, 'not-a-uuid'],
      [owner.token, crypto.randomUUID()],
      [other.token, app.id],
      [owner.token, app.id.toUpperCase()],
    ] as const) {
      const body = await expectError(await getApp(token, id), 404);
      bodies.push(body.summary);
    }
    expect(new Set(bodies).size).toBe(1);
  });

  it('truncate_secrets=false reveals the secret to a token with oauth_apps:secrets', async () => {
    const secret = newSecret();
    const app = await createdApp(owner.token, { client_secret: secret });
    const res = await getApp(owner.token, app.id, '?truncate_secrets=false');
    expect(res.status).toBe(200);
    expect(((await res.json()) as AppObject).client_secret).toBe(secret);
    const masked = (await (await getApp(owner.token, app.id, '?truncate_secrets=true')).json()) as AppObject;
    expect(masked.client_secret).toBe('**********');
  });

  it('truncate_secrets=false without oauth_apps:secrets is 403, and shows nothing', async () => {
    const app = await createdApp(owner.token);
    const noSecrets = await newCaller(['oauth_apps:read', 'oauth_apps:write']);
    const forOwnerAccount = await getApp(noSecrets.token, app.id, '?truncate_secrets=false');
    const body = await expectError(forOwnerAccount, 403);
    expect(body.summary).toMatch(/oauth_apps:secrets/);
  });

  it('422 on a bad truncate_secrets or an unknown query parameter', async () => {
    const app = await createdApp(owner.token);
    const bad = await expectError(await getApp(owner.token, app.id, '?truncate_secrets=no'), 422);
    expect(bad.validation_errors).toEqual({ truncate_secrets: ['must be true or false'] });
    const unknown = await expectError(await getApp(owner.token, app.id, '?expand=all'), 422);
    expect(unknown.validation_errors).toEqual({ expand: ['is not a recognised field'] });
  });

  it('a row that fails to decrypt answers null and an error health, not a failure', async () => {
    const app = await createdApp(owner.token);
    await env.DB.prepare("UPDATE oauth_apps SET client_secret_key_id = 'retired' WHERE id = ?").bind(app.id).run();
    const res = await getApp(owner.token, app.id, '?truncate_secrets=false');
    expect(res.status).toBe(200);
    const shown = (await res.json()) as AppObject;
    expect(shown.client_secret).toBeNull();
    expect(shown.health.status).toBe('error');
    expect(shown.health.notes[0]).toMatch(/"retired", which is not in the keyring/);
  });
});

describe('PATCH /v1/oauth-apps/{id}', () => {
  it('changes the name only; updated_at and the ETag move, the rest stays', async () => {
    const app = await createdApp(owner.token);
    await new Promise((r) => setTimeout(r, 1100)); // updated_at has one-second resolution
    const res = await patchApp(owner.token, app.id, { name: 'Renamed' });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('"v2"');
    const updated = (await res.json()) as AppObject;
    expect(updated).toMatchObject({ ...app, name: 'Renamed', updated_at: updated.updated_at });
    expect(updated.updated_at > app.updated_at).toBe(true);
    expect(updated.created_at).toBe(app.created_at);
    expect(await getApp(owner.token, app.id).then((r) => r.json())).toEqual(updated);
  });

  it('an unchanged value, or an empty body, changes nothing: same updated_at and ETag', async () => {
    const app = await createdApp(owner.token, { metadata: { a: 1, b: { c: [1, 2] } } });
    for (const body of [{}, { name: app.name }, { metadata: { b: { c: [1, 2] }, a: 1 } }]) {
      const res = await patchApp(owner.token, app.id, body);
      expect(res.status).toBe(200);
      expect(res.headers.get('ETag')).toBe('"v1"');
      expect(await res.json()).toEqual(app);
    }
    const empty = await send(new Request(`https://api.test/v1/oauth-apps/${app.id}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${owner.token}` },
    }));
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual(app);
    expect((await rawRow(app.id))!.version).toBe(1);
  });

  it('metadata replaces the stored object whole; null clears it to {}', async () => {
    const app = await createdApp(owner.token, { metadata: { a: 1, b: 2 } });
    const replaced = (await (await patchApp(owner.token, app.id, { metadata: { c: 3 } })).json()) as AppObject;
    expect(replaced.metadata).toEqual({ c: 3 });
    const cleared = (await (await patchApp(owner.token, app.id, { metadata: null })).json()) as AppObject;
    expect(cleared.metadata).toEqual({});
  });

  it('a new client_secret is sealed afresh: the old ciphertext is gone and the new secret reads back', async () => {
    const app = await createdApp(owner.token);
    const before = (await rawRow(app.id))!;
    const secret = newSecret();
    const res = await patchApp(owner.token, app.id, { client_secret: secret });
    expect(res.status).toBe(200);
    expect(((await res.json()) as AppObject).client_secret).toBe('**********');
    const after = (await rawRow(app.id))!;
    expect(after.client_secret_ciphertext).not.toBe(before.client_secret_ciphertext);
    expect(JSON.stringify(after).includes(secret)).toBe(false);
    const shown = (await (await getApp(owner.token, app.id, '?truncate_secrets=false')).json()) as AppObject;
    expect(shown.client_secret).toBe(secret);
  });

  it('sending the same client_secret again still counts as a change', async () => {
    const secret = newSecret();
    const app = await createdApp(owner.token, { client_secret: secret });
    const res = await patchApp(owner.token, app.id, { client_secret: secret });
    expect(res.headers.get('ETag')).toBe('"v2"');
  });

  it('refuses a masked secret read back and sent again; the stored secret is unchanged', async () => {
    const secret = newSecret();
    const app = await createdApp(owner.token, { client_secret: secret });
    const readBack = (await (await getApp(owner.token, app.id)).json()) as AppObject;
    const res = await patchApp(owner.token, app.id, { name: 'x', client_secret: readBack.client_secret });
    const body = await expectError(res, 422);
    expect(body.validation_errors).toEqual({ client_secret: [expect.stringMatching(/not a mask/)] });
    expect(await storedSecret(app.id)).toBe(secret);
    expect((await rawRow(app.id))!.name).toBe(app.name);
  });

  it('422 "cannot be changed" for provider and client_id; nothing changes', async () => {
    const app = await createdApp(owner.token);
    const res = await patchApp(owner.token, app.id, { provider: 'github', client_id: 'other', name: 'x' });
    const body = await expectError(res, 422);
    expect(body.validation_errors).toEqual({ provider: ['cannot be changed'], client_id: ['cannot be changed'] });
    expect(await getApp(owner.token, app.id).then((r) => r.json())).toEqual(app);
  });

  it('the create checks apply: blank, too long, unknown field, metadata not an object', async () => {
    const app = await createdApp(owner.token);
    for (const body of [{ name: ' ' }, { name: 'n'.repeat(256) }, { color: 'red' }, { metadata: [1] }, { client_secret: '' }]) {
      await expectError(await patchApp(owner.token, app.id, body), 422);
    }
    expect((await rawRow(app.id))!.version).toBe(1);
  });

  it('If-Match: the current ETag or * applies; a stale one answers 412 and changes nothing', async () => {
    const app = await createdApp(owner.token);
    const ok = await patchApp(owner.token, app.id, { name: 'one' }, { 'If-Match': '"v1"' });
    expect(ok.status).toBe(200);
    const stale = await patchApp(owner.token, app.id, { name: 'two' }, { 'If-Match': '"v1"' });
    await expectError(stale, 412);
    expect(stale.headers.get('ETag')).toBe('"v2"');
    expect((await rawRow(app.id))!.name).toBe('one');
    const weak = await patchApp(owner.token, app.id, { name: 'two' }, { 'If-Match': 'W/"v2"' });
    expect(weak.status).toBe(412);
    const listed = await patchApp(owner.token, app.id, { name: 'two' }, { 'If-Match': '"v9", "v2"' });
    expect(listed.status).toBe(200);
    const star = await patchApp(owner.token, app.id, { name: 'three' }, { 'If-Match': '*' });
    expect(star.status).toBe(200);
    expect(star.headers.get('ETag')).toBe('"v4"');
  });

  it('400 on malformed JSON, 413 on a body over 64 KiB; nothing changes', async () => {
    const app = await createdApp(owner.token);
    const raw = (body: string) =>
      send(
        request('PATCH', `/v1/oauth-apps/${app.id}`, {
          token: owner.token,
          rawBody: body,
          headers: { 'Content-Type': 'application/json' },
        }),
      );
    await expectError(await raw('{"name":'), 400);
    await expectError(await raw(JSON.stringify({ name: 'x'.repeat(70_000) })), 413);
    expect((await rawRow(app.id))!.version).toBe(1);
  });

  it('needs oauth_apps:write; a bad body type is 415', async () => {
    const app = await createdApp(owner.token);
    await expectError(await patchApp(reader.token, app.id, { name: 'x' }), 403);
    const res = await send(
      request('PATCH', `/v1/oauth-apps/${app.id}`, {
        token: owner.token,
        rawBody: 'name=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    );
    await expectError(res, 415);
  });

  it('concurrent PATCHes all land, each on its own version', async () => {
    const app = await createdApp(owner.token);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => patchApp(owner.token, app.id, { name: `n${i}` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const applied = statuses.filter((s) => s === 200).length;
    expect((await rawRow(app.id))!.version).toBe(1 + applied);
  });
});

describe('DELETE /v1/oauth-apps/{id}', () => {
  it('answers {id, deleted: true}; the row and its ciphertext are gone; a second delete is 404', async () => {
    const app = await createdApp(owner.token);
    const res = await deleteApp(owner.token, app.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: app.id, deleted: true });
    expect(await rawRow(app.id)).toBeNull();
    await expectError(await getApp(owner.token, app.id), 404);
    await expectError(await deleteApp(owner.token, app.id), 404);
  });

  it('needs oauth_apps:write', async () => {
    const app = await createdApp(owner.token);
    await expectError(await deleteApp(reader.token, app.id), 403);
    expect(await rawRow(app.id)).not.toBeNull();
  });
});

describe('isolation through the API', () => {
  it("B gets 404 on A's app for get, patch and delete, and A's app is untouched", async () => {
    const app = await createdApp(owner.token);
    const count = await oauthAppCount();
    await expectError(await getApp(other.token, app.id), 404);
    await expectError(await getApp(other.token, app.id, '?truncate_secrets=false'), 404);
    await expectError(await patchApp(other.token, app.id, { name: 'hijacked' }), 404);
    await expectError(await patchApp(other.token, app.id, { client_secret: newSecret() }), 404);
    await expectError(await deleteApp(other.token, app.id), 404);
    expect(await oauthAppCount()).toBe(count);
    expect(await getApp(owner.token, app.id).then((r) => r.json())).toEqual(app);
  });
});

describe('405 on /v1/oauth-apps/{id}', () => {
  for (const method of ['POST', 'PUT']) {
    it(method, async () => {
      const res = await send(request(method, `/v1/oauth-apps/${crypto.randomUUID()}`, { token: owner.token, body: {} }));
      expect(res.status).toBe(405);
      expect(res.headers.get('Allow')).toBe('GET, PATCH, DELETE');
    });
  }
});
