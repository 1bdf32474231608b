// CORS, opt-in by CORS_ORIGINS (preflight per the Fetch standard, never
// credentials), and the IETF rate-limit headers: RateLimit-Policy wherever a
// limit applies, RateLimit where the limiter knows the count (Node), and a
// 429's Retry-After until a request would pass.
import { target } from '#target';
import { describe, expect, it } from 'vitest';
import { env, newCaller, request, sendWithEnv, targetInfo } from '../support/fixtures';

const CONSOLE = 'https://console.example.com';
const withCors = { CORS_ORIGINS: `${CONSOLE}, http://localhost:5173` };

/** A preflight, as a browser sends it (not in the document: OPTIONS is CORS's, not the API's). */
const preflight = (origin: string) =>
  new Request('https://api.test/v1/oauth-apps', {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, idempotency-key' },
  });

describe('CORS', () => {
  it('unset: no CORS headers, and OPTIONS stays 405', async () => {
    const res = await target.sendWithEnv(preflight(CONSOLE), {});
    expect(res.status).toBe(405);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('a preflight from a listed origin: 204 with the methods and headers the API takes, never credentials', async () => {
    const res = await target.sendWithEnv(preflight(CONSOLE), withCors);
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(CONSOLE);
    expect(res.headers.get('Access-Control-Allow-Methods')).toBe('GET, HEAD, POST, PATCH, DELETE');
    expect(res.headers.get('Access-Control-Allow-Headers')).toBe('Authorization, Content-Type, Idempotency-Key, If-Match, x-d1-bookmark');
    expect(res.headers.get('Access-Control-Max-Age')).toBe('600');
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    expect(res.headers.get('Vary')).toMatch(/Origin/);
  });

  it('from an origin not listed: no CORS headers (the browser refuses), the preflight is 405', async () => {
    const res = await target.sendWithEnv(preflight('https://evil.example'), withCors);
    expect(res.status).toBe(405);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers to a listed origin, errors too, carry Allow-Origin and expose the headers a client reads', async () => {
    const caller = await newCaller();
    for (const [token, status] of [[caller.token, 200], [undefined, 401]] as const) {
      const res = await sendWithEnv(request('GET', '/v1/oauth-apps', { token, headers: { Origin: CONSOLE } }), withCors);
      expect(res.status).toBe(status);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe(CONSOLE);
      expect(res.headers.get('Access-Control-Expose-Headers')).toBe(
        'Request-Id, ETag, x-d1-bookmark, Idempotent-Replayed, Retry-After, RateLimit, RateLimit-Policy',
      );
      expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    }
  });

  it('a malformed CORS_ORIGINS fails closed: 500 misconfigured', async () => {
    for (const bad of ['console.example.com', 'https://a.example/path', 'ftp://x']) {
      const res = await sendWithEnv(request('GET', '/v1/providers'), { CORS_ORIGINS: bad });
      expect(res.status, bad).toBe(500);
      expect(((await res.json()) as { code: string }).code).toBe('misconfigured');
    }
  });
});

describe('rate-limit headers', () => {
  it('RateLimit-Policy on every answer the token limit applies to; RateLimit where the limiter counts (Node); Retry-After until the window resets', async () => {
    const caller = await newCaller();
    // The small limiter: 3 per 60 s (on Workers a real binding, described by the var; on Node the in-memory limiter).
    const small = { RATE_LIMITER: env.SMALL_RATE_LIMITER, RATE_LIMIT_PER_MINUTE: '3' };
    const answers: Response[] = [];
    for (let i = 0; i < 4; i++) answers.push(await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), small));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    for (const res of answers) expect(res.headers.get('RateLimit-Policy')).toBe('"token";q=3;w=60');
    const limited = answers[3]!;
    const retryAfter = Number(limited.headers.get('Retry-After'));
    if (targetInfo.name === 'node') {
      expect(answers.slice(0, 3).map((r) => r.headers.get('RateLimit')?.replace(/t=\d+/, 't'))).toEqual([
        '"token";r=2;t',
        '"token";r=1;t',
        '"token";r=0;t',
      ]);
      // Exactly when the window resets, as the header says.
      const t = Number(/t=(\d+)/.exec(limited.headers.get('RateLimit')!)![1]);
      expect(retryAfter).toBe(Math.max(1, t));
      expect(retryAfter).toBeLessThanOrEqual(60);
    } else {
      // The binding says only allowed or not: no count, and the whole period to wait.
      expect(limited.headers.get('RateLimit')).toBeNull();
      expect(retryAfter).toBe(60);
    }
  });

  it('no RateLimit-Policy where no limit applied (the public document)', async () => {
    const res = await target.sendWithEnv(new Request('https://api.test/openapi.json'), {});
    expect(res.headers.get('RateLimit-Policy')).toBeNull();
  });
});
