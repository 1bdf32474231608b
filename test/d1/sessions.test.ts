// Which D1 session each request opens: the real binding, with withSession's
// argument recorded on the way through.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createdApp, newCaller, request, seedBody, sendWithEnv, type TestToken } from '../support/fixtures';

let caller: TestToken;
beforeAll(async () => {
  caller = await newCaller();
});

function recordingD1(): { DB: D1Database; constraints: string[] } {
  const constraints: string[] = [];
  const real = env.DB!;
  const DB = new Proxy(real, {
    get(target, prop) {
      if (prop === 'withSession') {
        return (constraint: string) => {
          constraints.push(constraint);
          return target.withSession(constraint);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { DB, constraints };
}

describe('D1 sessions', () => {
  const B = '00000000-00000001-00000000-00000000000000000000000000000000';
  it('a read without a bookmark may go to any replica; with one, at least that fresh', async () => {
    const { DB, constraints } = recordingD1();
    await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), { DB });
    await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token, headers: { 'x-d1-bookmark': B } }), { DB });
    await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token, headers: { 'x-d1-bookmark': 'first-primary' } }), { DB });
    expect(constraints).toEqual(['first-unconstrained', B, 'first-primary']);
  });

  it('a request that may write starts at the primary, bookmark or not', async () => {
    const app = await createdApp(caller.token);
    const { DB, constraints } = recordingD1();
    const headers = { 'x-d1-bookmark': B };
    await sendWithEnv(request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody(), headers }), { DB });
    await sendWithEnv(request('PATCH', `/v1/oauth-apps/${app.id}`, { token: caller.token, body: { name: 'n' } }), { DB });
    await sendWithEnv(request('DELETE', `/v1/oauth-apps/${app.id}`, { token: caller.token }), { DB });
    expect(constraints).toEqual(['first-primary', 'first-primary', 'first-primary']);
  });

  it('no D1 binding and no LIBSQL_URL is a configuration error, not a crash', async () => {
    const res = await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), { DB: undefined });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { summary: string }).summary).toMatch(/misconfigured/);
  });

  it('LIBSQL_URL on the D1-only build is refused, never silently served from D1', async () => {
    const res = await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), { LIBSQL_URL: 'libsql://db.example.turso.io' });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { summary: string }).summary).toMatch(/misconfigured/);
  });
});
