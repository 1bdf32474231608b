// The unauthenticated limit, with the real limiter set small (3 a minute per
// address): requests with a missing, malformed or unknown token are counted
// per client address; past the limit they are refused before any storage
// lookup; a verified token is never counted.
import { describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token';
import { env, newCaller, request, sendWithEnv } from '../support/fixtures';

const small = () => ({ UNAUTHENTICATED_RATE_LIMITER: env.SMALL_RATE_LIMITER });
const newAddress = () => `198.51.100.${Math.floor(Math.random() * 250)}-${crypto.randomUUID().slice(0, 8)}`;

function from(address: string, path: string, token?: string, headers: Record<string, string> = {}): Request {
  return request('GET', path, { headers: { 'CF-Connecting-IP': address, ...headers }, ...(token === undefined ? {} : { token }) });
}

describe('the unauthenticated limit', () => {
  it('missing, malformed and unknown tokens count per address; the 4th is 429 with Retry-After, in the error shape', async () => {
    const address = newAddress();
    const statuses = [];
    statuses.push((await sendWithEnv(from(address, '/v1/oauth-apps'), small())).status);
    statuses.push((await sendWithEnv(from(address, '/v1/oauth-apps', undefined, { Authorization: 'Bearer nope' }), small())).status);
    statuses.push((await sendWithEnv(from(address, '/v1/oauth-apps', generateApiToken()), small())).status);
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await sendWithEnv(from(address, '/v1/events', generateApiToken()), small());
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await limited.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'summary']);
    expect(body.summary).toMatch(/without a valid API token from this address/);

    // Another address has its own allowance.
    expect((await sendWithEnv(from(newAddress(), '/v1/oauth-apps'), small())).status).toBe(401);
  });

  it("a valid token's traffic is never counted: 10 requests from one address, all 200, then its bad tokens still have the whole allowance", async () => {
    const address = newAddress();
    const caller = await newCaller();
    for (let i = 0; i < 10; i++) expect((await sendWithEnv(from(address, '/v1/oauth-apps', caller.token), small())).status).toBe(200);
    const bad = [];
    for (let i = 0; i < 3; i++) bad.push((await sendWithEnv(from(address, '/v1/oauth-apps', generateApiToken()), small())).status);
    expect(bad).toEqual([401, 401, 401]);
  });

  it('past the limit, a token is refused before its storage lookup, unless this instance has already verified it', async () => {
    const address = newAddress();
    const cached = { ...small(), TOKEN_CACHE_TTL_SECONDS: '30' };
    const known = await newCaller();
    const unseen = await newCaller();
    // Verified (and cached) before the flood.
    expect((await sendWithEnv(from(address, '/v1/oauth-apps', known.token), cached)).status).toBe(200);
    for (let i = 0; i < 3; i++) await sendWithEnv(from(address, '/v1/oauth-apps', generateApiToken()), cached);
    expect((await sendWithEnv(from(address, '/v1/oauth-apps', generateApiToken()), cached)).status).toBe(429);
    // A valid token this instance has not verified is refused too: had it been
    // looked up, it would have answered 200. So no lookup was made.
    expect((await sendWithEnv(from(address, '/v1/oauth-apps', unseen.token), cached)).status).toBe(429);
    // The verified one keeps working.
    expect((await sendWithEnv(from(address, '/v1/oauth-apps', known.token), cached)).status).toBe(200);
  });

  it('/openapi.json and unknown paths are never counted or refused', async () => {
    const address = newAddress();
    for (let i = 0; i < 4; i++) await sendWithEnv(from(address, '/v1/oauth-apps'), small());
    expect((await sendWithEnv(from(address, '/v1/oauth-apps'), small())).status).toBe(429);
    expect((await sendWithEnv(from(address, '/openapi.json'), small())).status).toBe(200);
    expect((await sendWithEnv(from(address, '/nowhere'), small())).status).toBe(404);
  });

  it('where the server knows client addresses (Node), a CF-Connecting-IP header never stands in for one it lacks', async () => {
    const server = { ...small(), CLIENT_ADDRESS: () => undefined };
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await sendWithEnv(from(newAddress(), '/v1/oauth-apps'), server)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('without the binding (a runtime that has none), there is no limit', async () => {
    const address = newAddress();
    for (let i = 0; i < 6; i++) {
      expect((await sendWithEnv(from(address, '/v1/oauth-apps'), { UNAUTHENTICATED_RATE_LIMITER: undefined })).status).toBe(401);
    }
  });
});
