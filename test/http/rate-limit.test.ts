// The per-token rate limit, with the real rate-limiting binding set small.
import { describe, expect, it } from 'vitest';
import { newCaller, oauthAppCount, request, seedBody, sendWithEnv, env } from '../support/fixtures';

describe('rate limit', () => {
  it('answers 429 with Retry-After past the limit, per token, and the refused request changes nothing', async () => {
    const small = { RATE_LIMITER: env.SMALL_RATE_LIMITER };
    const caller = await newCaller();
    const k = `key-${crypto.randomUUID()}`;
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), small)).status);
    }
    expect(statuses).toEqual([200, 200, 200]);

    const count = await oauthAppCount();
    const limited = await sendWithEnv(
      request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody(), headers: { 'Idempotency-Key': k } }),
      small,
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    const body = (await limited.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'summary']);
    expect(await oauthAppCount()).toBe(count);
    // A 429 does not consume the idempotency key.
    const row = await env.DB.prepare('SELECT 1 FROM idempotency_keys WHERE key = ?').bind(k).first();
    expect(row).toBeNull();

    // Another token has its own budget.
    const other = await newCaller();
    expect((await sendWithEnv(request('GET', '/v1/oauth-apps', { token: other.token }), small)).status).toBe(200);
  });

  it('an unauthenticated request is 401, not counted against anyone', async () => {
    const res = await sendWithEnv(request('GET', '/v1/oauth-apps'), { RATE_LIMITER: env.SMALL_RATE_LIMITER });
    expect(res.status).toBe(401);
  });
});
