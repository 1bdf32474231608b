// Bearer authentication and scopes on POST /v1/oauth-apps, and the token cache window.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token';
import { apiTokens } from '../../src/db/schema';
import { createAccount, createApp, createToken, db, newCaller, oauthAppCount, request, seedBody, send, sendWithEnv } from '../support/fixtures';
import { rememberSecret } from '../support/log-capture';

async function expectStatus(res: Response, status: number): Promise<Record<string, string>> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'summary']);
  if (status === 401) expect(res.headers.get('WWW-Authenticate')).toBe('Bearer');
  return body;
}

const post = (headers: Record<string, string>) =>
  send(request('POST', '/v1/oauth-apps', { body: seedBody(), headers }));

describe('401: missing, malformed, unknown, revoked, expired', () => {
  let accountId: string;
  beforeAll(async () => {
    accountId = await createAccount();
  });

  it('no Authorization header', async () => {
    const before = await oauthAppCount();
    const error = await expectStatus(await post({}), 401);
    expect(error.summary).toMatch(/Authentication is required/);
    expect(await oauthAppCount()).toBe(before);
  });

  const malformed: [string, string][] = [
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['Bearer with nothing', 'Bearer '],
    ['Bearer with a short token', 'Bearer oat_abc'],
    ['a token without its prefix', `Bearer ${'a'.repeat(43)}`],
    ['two tokens', `Bearer ${generateApiToken()} ${generateApiToken()}`],
    ['a token with a bad character', `Bearer oat_${'a'.repeat(42)}!`],
    ['a bare token without Bearer', generateApiToken()],
  ];
  for (const [label, value] of malformed) {
    it(`malformed: ${label}`, async () => {
      await expectStatus(await post({ Authorization: value }), 401);
    });
  }

  it('a well-formed token that was never issued', async () => {
    const error = await expectStatus(await post({ Authorization: `Bearer ${rememberSecret(generateApiToken())}` }), 401);
    expect(error.summary).toMatch(/not valid/);
  });

  it('a revoked token', async () => {
    const { token } = await createToken(accountId, undefined, { revokedAt: new Date().toISOString() });
    await expectStatus(await post({ Authorization: `Bearer ${token}` }), 401);
  });

  it('an expired token', async () => {
    const { token } = await createToken(accountId, undefined, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const error = await expectStatus(await post({ Authorization: `Bearer ${token}` }), 401);
    expect(error.summary).toMatch(/expired/);
  });

  it('a token with an expiry still ahead works', async () => {
    const { token } = await createToken(accountId, undefined, { expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    expect((await createApp(token)).status).toBe(200);
  });

  it('the scheme name is case-insensitive', async () => {
    const { token } = await createToken(accountId);
    expect((await post({ Authorization: `bearer ${token}` })).status).toBe(200);
  });
});

describe('403: a token without the scope', () => {
  for (const scopes of [['oauth_apps:read'], ['oauth_apps:secrets'], []] as const) {
    it(`scopes [${scopes.join(', ')}] cannot create`, async () => {
      const caller = await newCaller([...scopes]);
      const before = await oauthAppCount();
      const error = await expectStatus(await createApp(caller.token), 403);
      expect(error.summary).toMatch(/oauth_apps:write/);
      expect(await oauthAppCount()).toBe(before);
    });
  }

  it('oauth_apps:write alone can create', async () => {
    const caller = await newCaller(['oauth_apps:write']);
    expect((await createApp(caller.token)).status).toBe(200);
  });

  it('auth is checked before the body: a bad body without a token is 401, not 422', async () => {
    const res = await send(request('POST', '/v1/oauth-apps', { body: { nonsense: true } }));
    expect(res.status).toBe(401);
  });
});

describe('the token cache', () => {
  async function callWith(ttl: string, token: string): Promise<number> {
    const req = request('POST', '/v1/oauth-apps', { token, body: seedBody() });
    return (await sendWithEnv(req, { TOKEN_CACHE_TTL_SECONDS: ttl })).status;
  }
  const revoke = (tokenId: string) =>
    db().update(apiTokens).set({ revokedAt: new Date().toISOString() }).where(eq(apiTokens.id, tokenId));

  it('with the cache off, a revoked token stops working at once', async () => {
    const caller = await newCaller();
    expect(await callWith('0', caller.token)).toBe(200);
    await revoke(caller.tokenId);
    expect(await callWith('0', caller.token)).toBe(401);
  });

  it('with the cache on, a revoked token keeps working only within the window', async () => {
    const caller = await newCaller();
    expect(await callWith('30', caller.token)).toBe(200);
    await revoke(caller.tokenId);
    // Still cached in this isolate: the documented window.
    expect(await callWith('30', caller.token)).toBe(200);
    // A fresh lookup (cache off for this call) sees the revocation.
    expect(await callWith('0', caller.token)).toBe(401);
  });

  it('with the cache on, a revoked token answers 401 once the window has passed', async () => {
    const caller = await newCaller();
    expect(await callWith('1', caller.token)).toBe(200);
    await revoke(caller.tokenId);
    expect(await callWith('1', caller.token)).toBe(200); // within the 1 s window
    await new Promise((r) => setTimeout(r, 1100));
    expect(await callWith('1', caller.token)).toBe(401);
  });

  it('an expiry is honoured even while the token is cached', async () => {
    const accountId = await createAccount();
    const { token } = await createToken(accountId, undefined, { expiresAt: new Date(Date.now() + 1000).toISOString() });
    expect(await callWith('30', token)).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await callWith('30', token)).toBe(401);
  });

  it('never caches a failure: a token that becomes valid works at once', async () => {
    const token = rememberSecret(generateApiToken());
    expect(await callWith('30', token)).toBe(401);
    const accountId = await createAccount();
    const { token: issued } = await createToken(accountId);
    expect(await callWith('30', issued)).toBe(200);
  });

  it('refuses a TTL outside 0-30 as a misconfiguration', async () => {
    const caller = await newCaller();
    expect(await callWith('31', caller.token)).toBe(500);
    expect(await callWith('abc', caller.token)).toBe(500);
  });
});

describe('every endpoint needs a valid token', () => {
  const id = crypto.randomUUID();
  const endpoints: [string, string, unknown?][] = [
    ['GET', '/v1/oauth-apps'],
    ['POST', '/v1/oauth-apps', {}],
    ['GET', `/v1/oauth-apps/${id}`],
    ['PATCH', `/v1/oauth-apps/${id}`, {}],
    ['DELETE', `/v1/oauth-apps/${id}`],
    ['GET', '/v1/providers'],
    ['GET', '/v1/events'],
    ['GET', '/v1/encryption-keys'],
    ['POST', '/v1/encryption-keys/rotate', {}],
  ];
  for (const [method, path, body] of endpoints) {
    it(`${method} ${path.replace(id, '{id}')}: 401 without one, 401 with an unknown one`, async () => {
      expect((await send(request(method, path, { body }))).status).toBe(401);
      const unknown = rememberSecret(generateApiToken());
      expect((await send(request(method, path, { body, token: unknown }))).status).toBe(401);
    });
  }
});

describe('last used', () => {
  const lastUsed = async (tokenId: string) =>
    (await db().select({ at: apiTokens.lastUsedAt }).from(apiTokens).where(eq(apiTokens.id, tokenId)))[0]!.at;

  it('is recorded on use, at most once a minute', async () => {
    const caller = await newCaller();
    expect(await lastUsed(caller.tokenId)).toBeNull();
    expect((await send(request('GET', '/v1/oauth-apps', { token: caller.token }))).status).toBe(200);
    const first = await lastUsed(caller.tokenId);
    expect(Date.now() - Date.parse(first!)).toBeLessThan(60_000);
    expect((await send(request('GET', '/v1/oauth-apps', { token: caller.token }))).status).toBe(200);
    expect(await lastUsed(caller.tokenId)).toBe(first);
  });
});

describe('keys:manage', () => {
  it('is needed for the key endpoints, and grants nothing else but its own account’s trail', async () => {
    const everyAppScope = await newCaller(['oauth_apps:read', 'oauth_apps:write', 'oauth_apps:secrets']);
    expect((await send(request('GET', '/v1/encryption-keys', { token: everyAppScope.token }))).status).toBe(403);
    expect((await send(request('POST', '/v1/encryption-keys/rotate', { token: everyAppScope.token }))).status).toBe(403);
    const operator = await newCaller(['keys:manage']);
    expect((await send(request('GET', '/v1/encryption-keys', { token: operator.token }))).status).toBe(200);
    expect((await send(request('GET', '/v1/oauth-apps', { token: operator.token }))).status).toBe(403);
    // Its own account's trail: where its rotation runs are recorded.
    expect((await send(request('GET', '/v1/events', { token: operator.token }))).status).toBe(200);
  });
});
