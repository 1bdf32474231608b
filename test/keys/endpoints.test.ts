// The operator endpoints' edges: bad input is 422 and moves nothing; a
// broken keyring is a misconfiguration, not a crash.
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createToken, request, send, sendWithEnv, type TestToken } from '../support/fixtures';

let operator: TestToken;
beforeAll(async () => {
  operator = await createToken(await createAccount(), ['keys:manage']);
});

const rotate = (init: { body?: unknown; rawBody?: string; headers?: Record<string, string> }) =>
  send(request('POST', '/v1/encryption-keys/rotate', { token: operator.token, ...init }));

describe('POST /v1/encryption-keys/rotate', () => {
  it('refuses a bad limit or an unknown field with 422 naming it', async () => {
    for (const [body, field] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 501 }, 'limit'],
      [{ limit: 1.5 }, 'limit'],
      [{ limit: '10' }, 'limit'],
      [{ surprise: true }, 'surprise'],
    ] as const) {
      const res = await rotate({ body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(((await res.json()) as { validation_errors: object }).validation_errors)).toEqual([field]);
    }
  });

  it('refuses a body that is not JSON (415, 400), takes none at all', async () => {
    expect((await rotate({ rawBody: 'limit=5', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    expect((await rotate({ rawBody: '{', headers: { 'Content-Type': 'application/json' } })).status).toBe(400);
    const none = await rotate({});
    expect(none.status).toBe(200);
    expect(await none.json()).toMatchObject({ remaining: expect.any(Number) });
  });

  it('a broken keyring answers 500 "misconfigured", in the error shape', async () => {
    for (const path of ['/v1/encryption-keys', '/v1/encryption-keys/rotate']) {
      const method = path.endsWith('rotate') ? 'POST' : 'GET';
      const res = await sendWithEnv(request(method, path, { token: operator.token }), { ENCRYPTION_KEYRING: '{"primary":' });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { summary: string }).summary).toMatch(/misconfigured/);
    }
  });

  it('other methods are 405', async () => {
    expect((await send(request('GET', '/v1/encryption-keys/rotate', { token: operator.token }))).status).toBe(405);
    expect((await send(request('DELETE', '/v1/encryption-keys', { token: operator.token }))).status).toBe(405);
  });
});
