// GET /healthz and GET /readyz on each target: no token, outside the rate
// limits, never cached, in the OpenAPI document (every answer here is checked
// against it), and /readyz names the check that failed, never why.
import { describe, expect, it } from 'vitest';
import { capturedLogs, logMark, logsSince } from '../support/log-capture';
import { env, request, send, sendWithEnv, targetInfo } from '../support/fixtures';

const KEYRING_MATERIAL = 'c2VjcmV0LWtleS1tYXRlcmlhbC0wMTIzNDU2Nzg5YWJj';

describe('GET /healthz (liveness)', () => {
  it('answers 200 without a token, not cached, not logged', async () => {
    const mark = logMark();
    const res = await send(request('GET', '/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(res.headers.get('RateLimit-Policy')).toBeNull();
    expect(logsSince(mark).some((l) => l.includes(res.headers.get('Request-Id')!))).toBe(false);
  });

  it('answers HEAD without a body, and 405 to other methods', async () => {
    const head = await send(request('HEAD', '/healthz'));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await send(request('POST', '/healthz'));
    expect(post.status).toBe(405);
    expect(post.headers.get('Allow')).toBe('GET');
  });

  it('holds whatever the configuration says: liveness is not readiness', async () => {
    const res = await sendWithEnv(request('GET', '/healthz'), { TOKEN_CACHE_TTL_SECONDS: '99' });
    expect(res.status).toBe(200);
  });
});

describe('GET /readyz (readiness)', () => {
  it('answers 200 when configuration, keyring and storage are fine', async () => {
    const res = await send(request('GET', '/readyz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });

  it('is outside the rate limits: many probes from one address, all answered, none counted', async () => {
    const small = { UNAUTHENTICATED_RATE_LIMITER: env.SMALL_RATE_LIMITER, RATE_LIMITER: env.SMALL_RATE_LIMITER };
    const headers = { 'CF-Connecting-IP': `198.51.100.${Math.floor(Math.random() * 250)}` };
    for (let i = 0; i < 10; i++) {
      for (const path of ['/healthz', '/readyz']) {
        const res = await sendWithEnv(request('GET', path, { headers }), small);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('RateLimit-Policy')).toBeNull();
      }
    }
    // The address's allowance is untouched: a request without a token still gets its 401, not 429.
    const after = await sendWithEnv(request('GET', '/v1/oauth-apps', { headers }), small);
    expect(after.status).toBe(401);
  });

  it('a setting that does not parse: 503 not_ready, failed_check configuration, no detail; the cause logged once, not per probe', async () => {
    const mark = logMark();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await sendWithEnv(request('GET', '/readyz'), { MAX_APPS_PER_ACCOUNT: 'many' }));
    for (const res of answers) {
      expect(res.status).toBe(503);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ code: 'not_ready', summary: 'Not ready: the configuration check failed.', failed_check: 'configuration', request_id: res.headers.get('Request-Id') });
      expect(res.headers.get('Cache-Control')).toBe('no-store');
    }
    const causes = logsSince(mark).filter((l) => l.includes('"not ready: configuration"'));
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('MAX_APPS_PER_ACCOUNT must be an integer');
    expect(logsSince(mark).filter((l) => l.includes('"msg":"request"') && l.includes('/readyz'))).toHaveLength(0);
  });

  it('a keyring that does not parse: failed_check keyring, and neither answer nor log holds its material', async () => {
    const bad = JSON.stringify({ primary: 'k9', keys: { k1: KEYRING_MATERIAL } });
    for (const keyring of ['{bad', bad, '']) {
      const res = await sendWithEnv(request('GET', '/readyz'), { ENCRYPTION_KEYRING: keyring });
      expect(res.status, keyring).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'not_ready', failed_check: 'keyring' });
      expect(text).not.toContain(KEYRING_MATERIAL);
    }
    expect(capturedLogs().some((l) => l.includes(KEYRING_MATERIAL))).toBe(false);
  });

  it.skipIf(targetInfo.name === 'node')('storage that does not answer: failed_check storage (on Node: test/node/probes.test.ts)', async () => {
    // Worker: no D1 binding; its libSQL build: a libSQL server nothing listens for.
    const broken = targetInfo.name === 'worker' ? { DB: undefined } : { LIBSQL_URL: 'http://127.0.0.1:1' };
    const res = await sendWithEnv(request('GET', '/readyz'), broken);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'not_ready', failed_check: 'storage' });
  });

  it('while the configuration is bad, the API itself fails closed: 500 misconfigured, nothing else said', async () => {
    const res = await sendWithEnv(request('GET', '/v1/providers'), { CORS_ORIGINS: 'not an origin' });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'misconfigured' });
  });
});
