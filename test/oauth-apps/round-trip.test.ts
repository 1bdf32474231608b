// Numbers and strings come back exactly as sent, or are refused (422) with
// nothing written: no Infinity stored as null, no rounded integer, no lone
// surrogate silently turned into U+FFFD, and the same answer on every runtime.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createdApp,
  env,
  getApp,
  newCaller,
  newSecret,
  oauthAppCount,
  request,
  seedBody,
  send,
  type TestToken,
} from '../support/fixtures';

let c: TestToken;
beforeAll(async () => {
  c = await newCaller();
});

/** A create whose body is given as JSON text, so that it can hold what JSON.stringify would never write. */
const createRaw = (text: string, headers: Record<string, string> = {}) =>
  send(request('POST', '/v1/oauth-apps', { token: c.token, rawBody: text, headers: { 'Content-Type': 'application/json', ...headers } }));

/** The seed body as JSON text with one field's JSON text replaced. */
function bodyWith(field: string, json: string): string {
  const body = seedBody();
  const marker = '"__FIELD__"';
  return JSON.stringify({ ...body, [field]: '__FIELD__' }).replace(marker, json);
}

async function expect422(res: Response, field: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(422);
  const body = JSON.parse(text) as { validation_errors: Record<string, string[]> };
  expect(Object.keys(body.validation_errors)).toEqual([field]);
}

describe('metadata numbers', () => {
  for (const [label, json] of [
    ['1e999 (Infinity after parsing)', '{"a":1e999}'],
    ['-1e999', '{"a":-1e999}'],
    ['2^53 + 1', '{"a":9007199254740993}'],
    ['-(2^53)', '{"a":-9007199254740992}'],
    ['1e300', '{"a":1e300}'],
    ['nested in an array', '{"a":[1,2,{"b":1e999}]}'],
  ] as const) {
    it(`${label}: 422 on create and on PATCH, nothing written`, async () => {
      const before = await oauthAppCount();
      await expect422(await createRaw(bodyWith('metadata', json)), 'metadata');
      expect(await oauthAppCount()).toBe(before);

      const app = await createdApp(c.token, { metadata: { kept: 1 } });
      const res = await send(
        request('PATCH', `/v1/oauth-apps/${app.id}`, { token: c.token, rawBody: `{"metadata":${json}}`, headers: { 'Content-Type': 'application/json' } }),
      );
      await expect422(res, 'metadata');
      expect(((await (await getApp(c.token, app.id)).json()) as { metadata: unknown }).metadata).toEqual({ kept: 1 });
    });
  }

  it('±(2^53 − 1), small and negative reals come back exactly', async () => {
    const metadata = { max: Number.MAX_SAFE_INTEGER, min: -Number.MAX_SAFE_INTEGER, tiny: 5e-324, third: 1 / 3, neg: -0.5 };
    const app = await createdApp(c.token, { metadata });
    const text = await (await getApp(c.token, app.id)).text();
    expect(text).toContain('"max":9007199254740991');
    expect(text).toContain('"min":-9007199254740991');
    expect((JSON.parse(text) as { metadata: unknown }).metadata).toEqual(metadata);
  });

  it(`more than 50 top-level keys: 422`, async () => {
    const metadata = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    await expect422(await createRaw(JSON.stringify(seedBody({ metadata }))), 'metadata');
    const ok = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect((await createRaw(JSON.stringify(seedBody({ metadata: ok })))).status).toBe(200);
  });
});

describe('lone UTF-16 surrogates', () => {
  const lone = ['"a\\ud800"', '"\\udc00b"', '"\\udbff\\udbff"', '"x\\ud83d"'];
  for (const field of ['name', 'client_id', 'client_secret'] as const) {
    for (const json of lone) {
      it(`${field} = ${json}: 422 on create, nothing written`, async () => {
        const before = await oauthAppCount();
        await expect422(await createRaw(bodyWith(field, json)), field);
        expect(await oauthAppCount()).toBe(before);
      });
    }
  }

  it('in a metadata value, a nested value or a key: 422', async () => {
    for (const json of ['{"a":"\\ud800"}', '{"a":{"b":["ok","\\udc00"]}}', '{"\\ud800":1}', '{"a":{"\\udfff":1}}']) {
      await expect422(await createRaw(bodyWith('metadata', json)), 'metadata');
    }
  });

  it('on PATCH: 422 for name, client_secret and metadata, the app unchanged', async () => {
    const app = await createdApp(c.token, { name: 'before' });
    for (const [field, json] of [['name', '"\\ud800"'], ['client_secret', '"sk-\\udc00"'], ['metadata', '{"a":"\\ud800"}']] as const) {
      const res = await send(
        request('PATCH', `/v1/oauth-apps/${app.id}`, { token: c.token, rawBody: `{"${field}":${json}}`, headers: { 'Content-Type': 'application/json' } }),
      );
      await expect422(res, field);
    }
    const row = await env.DB.prepare('SELECT name, version FROM oauth_apps WHERE id = ?').bind(app.id).first<{ name: string; version: number }>();
    expect(row).toEqual({ name: 'before', version: 1 });
  });

  it('surrogate pairs (emoji, astral characters) are kept exactly', async () => {
    const name = 'Billing 😀 𝔘';
    const secret = `${newSecret()}-𝔘`;
    const app = await createdApp(c.token, { name, client_secret: secret, metadata: { '😀': '𝔘' } });
    const res = await getApp(c.token, app.id, '?truncate_secrets=false');
    const body = (await res.json()) as { name: string; client_secret: string; metadata: unknown };
    expect(body).toMatchObject({ name, client_secret: secret, metadata: { '😀': '𝔘' } });
  });

  it('two bodies that differ only in a lone surrogate, under one Idempotency-Key: neither is stored, neither replayed', async () => {
    const key = `k-${crypto.randomUUID()}`;
    const base = seedBody();
    const first = JSON.stringify({ ...base, name: '__N__' }).replace('"__N__"', '"n\\ud800"');
    const second = JSON.stringify({ ...base, name: '__N__' }).replace('"__N__"', '"n\\ud801"');
    await expect422(await createRaw(first, { 'Idempotency-Key': key }), 'name');
    const res = await createRaw(second, { 'Idempotency-Key': key });
    expect(res.headers.get('Idempotent-Replayed')).toBeNull();
    await expect422(res, 'name');
    expect(await env.DB.prepare('SELECT 1 FROM idempotency_keys WHERE key = ?').bind(key).first()).toBeNull();
  });
});
