// POST /v1/oauth-apps through the worker's fetch handler, in workerd, on real local D1.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeyring } from '../../src/crypto/keyring';
import { oauthApps } from '../../src/db/schema';
import { PROVIDER_IDS } from '../../src/providers/providers';
import { revealClientSecret } from '../../src/oauth-apps/oauth-apps.service';
import { createApp, db, newCaller, newSecret, oauthAppCount, request, seedBody, sendWithEnv, type TestToken, env } from '../support/fixtures';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let caller: TestToken;
beforeAll(async () => {
  caller = await newCaller();
});

describe('POST /v1/oauth-apps: success', () => {
  it("answers the seed's curl body with 200 and exactly the seed's shape", async () => {
    const body = seedBody();
    const res = await createApp(caller.token, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    const app = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(app)).toEqual([
      'id',
      'provider',
      'name',
      'client_id',
      'client_secret',
      'client_secret_expires_at',
      'metadata',
      'provider_settings',
      'health',
      'verification',
      'created_at',
      'updated_at',
    ]);
    expect(app.id).toMatch(UUID_V4);
    expect(app).toMatchObject({
      provider: 'stripe',
      name: 'Arakkis - Stripe',
      client_id: body.client_id,
      client_secret: '**********',
      metadata: { custom_property: 42 },
      provider_settings: {},
      health: { status: 'ok', notes: [] },
      verification: null,
    });
    expect((app.health as { time: string }).time).toMatch(ISO_UTC);
    expect(app.created_at).toMatch(ISO_UTC);
    expect(app.updated_at).toBe(app.created_at);
  });

  it('answers metadata {} when none was sent', async () => {
    const { metadata: _omitted, ...body } = seedBody();
    const res = await createApp(caller.token, body);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { metadata: unknown }).metadata).toEqual({});
  });

  it('accepts every documented provider', async () => {
    for (const provider of PROVIDER_IDS) {
      const res = await createApp(caller.token, seedBody({ provider }));
      expect(res.status, provider).toBe(200);
    }
  });

  it('keeps values exactly as sent: unicode, inner spaces, nested metadata', async () => {
    const metadata = { nested: { list: [1, 'two', null, true], deep: { x: 1.5 } }, 'ключ': 'значение' };
    const secret = newSecret() + ' \u00e9\u{1F511}';
    const res = await createApp(caller.token, seedBody({ name: '  Ünïcødé app  ', client_secret: secret, metadata }));
    expect(res.status).toBe(200);
    const app = (await res.json()) as { id: string; name: string; metadata: unknown };
    expect(app.name).toBe('  Ünïcødé app  ');
    expect(app.metadata).toEqual(metadata);
    const [row] = await db().select().from(oauthApps).where(eq(oauthApps.id, app.id));
    expect(await revealClientSecret(await loadKeyring(env.ENCRYPTION_KEYRING), row!)).toBe(secret);
  });

  it('accepts values at each limit', async () => {
    const res = await createApp(
      caller.token,
      seedBody({
        name: 'n'.repeat(255),
        client_id: 'c'.repeat(512),
        client_secret: newSecret() + 's'.repeat(4096 - 44),
        metadata: { k: 'v'.repeat(16 * 1024 - 8) }, // {"k":"…"} is 8 bytes of JSON around the value
      }),
    );
    expect(res.status).toBe(200);
  });
});

describe('POST /v1/oauth-apps: storage', () => {
  it('stores no plaintext secret, and the stored ciphertext decrypts back with the keyring', async () => {
    const body = seedBody();
    const secret = body.client_secret as string;
    const res = await createApp(caller.token, body);
    const { id } = (await res.json()) as { id: string };

    // The raw row, read with plain SQL.
    const raw = await env.DB.prepare('SELECT * FROM oauth_apps WHERE id = ?').bind(id).first<Record<string, unknown>>();
    expect(raw).not.toBeNull();
    const rawText = JSON.stringify(raw);
    expect(rawText.includes(secret)).toBe(false);
    expect(rawText.includes(btoa(secret))).toBe(false);
    expect(raw!.client_secret_key_id).toBe('test-k1');
    expect(raw!.account_id).toBe(caller.accountId);
    // And the whole database holds it nowhere.
    const dump = await env.DB.prepare('SELECT group_concat(client_secret_ciphertext || name || client_id || metadata) AS all_text FROM oauth_apps').first<{ all_text: string }>();
    expect(dump!.all_text.includes(secret)).toBe(false);

    const [row] = await db().select().from(oauthApps).where(eq(oauthApps.id, id));
    expect(await revealClientSecret(await loadKeyring(env.ENCRYPTION_KEYRING), row!)).toBe(secret);
  });

  it('answers 409 naming the existing app when provider and client_id repeat in one account', async () => {
    const body = seedBody();
    const first = await createApp(caller.token, body);
    const { id } = (await first.json()) as { id: string };
    const before = await oauthAppCount();

    const again = await createApp(caller.token, { ...body, client_secret: newSecret(), name: 'Another name' });
    expect(again.status).toBe(409);
    const error = (await again.json()) as Record<string, string>;
    expect(error.summary).toContain(id);
    expect(error.existing_id).toBe(id);
    expect(error.request_id).toBe(again.headers.get('Request-Id'));
    expect(await oauthAppCount()).toBe(before);
  });

  it('allows the same client_id under another provider, or in another account', async () => {
    const body = seedBody();
    expect((await createApp(caller.token, body)).status).toBe(200);
    expect((await createApp(caller.token, { ...body, provider: 'github' })).status).toBe(200);
    const other = await newCaller();
    expect((await createApp(other.token, body)).status).toBe(200);
  });

  it('lands fifty concurrent creates with fifty distinct ids', async () => {
    const before = await oauthAppCount();
    const responses = await Promise.all(Array.from({ length: 50 }, () => createApp(caller.token)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const ids = await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id));
    expect(new Set(ids).size).toBe(50);
    expect(await oauthAppCount()).toBe(before + 50);
  });
});

describe('POST /v1/oauth-apps: server misconfigured', () => {
  for (const [label, keyring] of [
    ['missing', undefined],
    ['not JSON', 'not json'],
    ['a key of the wrong length', JSON.stringify({ primary: 'k', keys: { k: btoa('short') } })],
    ['a primary that is not in it', JSON.stringify({ primary: 'x', keys: { k: btoa('k'.repeat(32)) } })],
  ] as const) {
    it(`fails closed with a clear 500 when the keyring is ${label}, storing nothing`, async () => {
      const before = await oauthAppCount();
      const body = seedBody();
      const res = await sendWithEnv(request('POST', '/v1/oauth-apps', { token: caller.token, body }), {
        ENCRYPTION_KEYRING: keyring,
      });
      expect(res.status).toBe(500);
      const error = (await res.json()) as Record<string, string>;
      expect(error.summary).toMatch(/misconfigured/);
      expect(error.request_id).toMatch(/^req_/);
      expect(JSON.stringify(error).includes(body.client_secret as string)).toBe(false);
      expect(await oauthAppCount()).toBe(before);
    });
  }
});
