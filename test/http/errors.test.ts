// The unexpected: a generic 500 with the request id and no internals, the
// details only in the log; and odd requests that must never produce a 500.
import { isWellFormed } from '../../src/util/json-values';
import { describe, expect, it } from 'vitest';
import { ALL_SCOPES, newCaller, request, seedBody, send, sendWithEnv, targetInfo } from '../support/fixtures';
import { logMark, logsSince } from '../support/log-capture';

describe('500 for anything unexpected', () => {
  it('answers a generic summary and the request id; the details go to the log only', async () => {
    const caller = await newCaller();
    const mark = logMark();
    // A rate-limiter binding that breaks: an error nobody planned for.
    const broken: RateLimit = {
      limit: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'key')")),
    };
    const res = await sendWithEnv(request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody() }), {
      RATE_LIMITER: broken,
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'summary']);
    expect(body.summary).toMatch(/unexpected error/);
    expect(body.request_id).toBe(res.headers.get('Request-Id'));
    expect(JSON.stringify(body)).not.toMatch(/TypeError|WeakMap|\.ts:\d+/);
    const errorLine = logsSince(mark).find((l) => l.includes('"level":"error"') && l.includes(body.request_id!));
    expect(errorLine).toBeDefined();
    expect(JSON.parse(errorLine!).error.name).toBe('TypeError');
  });
});

describe.runIf(targetInfo.name === 'worker-libsql')('an unreachable libSQL server', () => {
  it('is 503 with Retry-After, not an unexpected 500', async () => {
    // Port 1 on loopback: nothing listens; workerd's fetch fails with "Network connection lost."
    const res = await sendWithEnv(request('GET', '/v1/oauth-apps', { token: `oat_${'A'.repeat(43)}` }), {
      LIBSQL_URL: 'http://127.0.0.1:1',
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('1');
  });
});

describe('odd requests never produce a 500', () => {
  const paths = [
    '/v1/oauth-apps/%',
    '/v1/oauth-apps%2F',
    '/v1/%E0%A4%A',
    '/v1//oauth-apps',
    '/v1/oauth-apps?x=%zz',
    `/v1/${'a'.repeat(5000)}`,
    '/v1/oauth-apps/../oauth-apps',
  ];
  for (const path of paths) {
    it(`path ${path.slice(0, 40)}`, async () => {
      const caller = await newCaller();
      const res = await send(request('POST', path, { token: caller.token, body: seedBody() }));
      expect(res.status).toBeLessThan(500);
      const body = (await res.json()) as { summary?: string; id?: string };
      // Either the URL normalises to the real route, or a documented error.
      expect(res.status === 200 ? body.id : body.summary).toBeTruthy();
    });
  }

  const headerCases: [string, Record<string, string>][] = [
    ['a huge Authorization header', { Authorization: `Bearer ${'x'.repeat(8000)}` }],
    ['a non-numeric Content-Length-like header', { 'Content-Type': 'application/json; charset=bogus' }],
    ['a Content-Type with many parameters', { 'Content-Type': `application/json;${' a=b;'.repeat(200)}` }],
    ['an odd JSON media type', { 'Content-Type': 'application/vnd.api+json' }],
  ];
  for (const [label, headers] of headerCases) {
    it(label, async () => {
      const caller = await newCaller();
      const res = await send(
        request('POST', '/v1/oauth-apps', { body: seedBody(), headers: { Authorization: `Bearer ${caller.token}`, ...headers } }),
      );
      expect(res.status).toBeLessThan(500);
    });
  }

  // Found by the fuzzer (test/fuzz/regressions.ts): an unknown key "__proto__" once made the 422 builder throw.
  for (const [method, path] of [
    ['POST', '/v1/oauth-apps'],
    ['PATCH', `/v1/oauth-apps/${crypto.randomUUID()}`],
    ['POST', '/v1/encryption-keys/rotate'],
  ] as const) {
    it(`${method} ${path.slice(0, 30)} with the body {"__proto__":{}}: 422 naming it`, async () => {
      const caller = await newCaller([...ALL_SCOPES, 'keys:manage']);
      const res = await send(
        request(method, path, { token: caller.token, rawBody: '{"__proto__":{}}', headers: { 'Content-Type': 'application/json' } }),
      );
      expect(res.status).toBe(422);
      const body = (await res.json()) as { validation_errors: Record<string, string[]> };
      expect(Object.keys(body.validation_errors)).toContain('__proto__');
    });
  }

  // Found by the fuzzer: an answer must never carry a lone surrogate, even one echoed from the request.
  it('an unknown field named with a lone surrogate: 422, the name echoed as well-formed text', async () => {
    const caller = await newCaller();
    const res = await send(
      request('POST', '/v1/oauth-apps', { token: caller.token, rawBody: '{"\\ud800x":1}', headers: { 'Content-Type': 'application/json' } }),
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as { validation_errors: Record<string, string[]> };
    expect(Object.keys(body.validation_errors)).toContain('\ufffdx');
    expect(Object.keys(body.validation_errors).every(isWellFormed)).toBe(true);
  });

  for (const method of ['OPTIONS', 'PUT', 'PROPFIND']) {
    it(`method ${method}`, async () => {
      const res = await send(request(method, '/v1/oauth-apps'));
      expect(res.status).toBe(405);
    });
  }
});

describe("Hono's own HTTPExceptions", () => {
  it('are rendered in the error shape, not as plain text or a 500', async () => {
    const { Hono } = await import('hono');
    const { HTTPException } = await import('hono/http-exception');
    const { handleError } = await import('../../src/http/errors');
    const { requestContext } = await import('../../src/http/request-context');
    const app = new Hono<import('../../src/env').AppEnv>();
    app.use(requestContext('workers'));
    app.post('/', () => {
      throw new HTTPException(400, { message: 'Malformed JSON in request body' });
    });
    app.onError(handleError);
    const res = await app.request('/', { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ summary: 'The request body is not valid JSON.' });
  });
});
