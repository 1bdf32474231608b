// Request-Id on every response; the logging policy (every answer of 400 and
// up; of the rest, REQUEST_LOG_SAMPLE_RATE, by default none on Workers and all
// on Node); one structured line per logged request, and no body, token or
// secret in any log line.
import { describe, expect, it } from 'vitest';
import { createApp, newCaller, request, seedBody, send, sendWithEnv, targetInfo } from '../support/fixtures';
import { capturedLogs, logMark, logsSince } from '../support/log-capture';

describe('observability', () => {
  it('every response carries a Request-Id, distinct per request', async () => {
    const caller = await newCaller();
    const responses = [
      await createApp(caller.token),
      await createApp(caller.token, { bad: true }),
      await send(request('GET', '/nowhere')),
      await send(request('DELETE', '/v1/oauth-apps', { token: caller.token })),
      await send(request('POST', '/v1/oauth-apps', { body: seedBody() })),
    ];
    const ids = responses.map((r) => r.headers.get('Request-Id'));
    expect(ids.every((id) => id !== null && /^req_[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes exactly one structured line per logged request, with the fields and nothing else', async () => {
    const caller = await newCaller();
    const body = seedBody();
    const mark = logMark();
    const res = await sendWithEnv(request('POST', '/v1/oauth-apps', { token: caller.token, body }), { REQUEST_LOG_SAMPLE_RATE: '1' });
    const requestId = res.headers.get('Request-Id')!;
    const lines = logsSince(mark).filter((l) => l.includes(requestId));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(line).sort()).toEqual(
      ['account_id', 'duration_ms', 'level', 'method', 'msg', 'path', 'request_id', 'status', 'time'].sort(),
    );
    // ISO 8601 in UTC, to the millisecond.
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(line).toMatchObject({
      method: 'POST',
      path: '/v1/oauth-apps',
      status: 200,
      request_id: requestId,
      account_id: caller.accountId,
    });
    expect(typeof line.duration_ms).toBe('number');
    for (const value of [body.client_secret, body.client_id, body.name, caller.token] as string[]) {
      expect(lines[0]!.includes(value)).toBe(false);
    }
  });

  it('logs failed requests too, with a null account when unauthenticated', async () => {
    const mark = logMark();
    const res = await send(request('POST', '/v1/oauth-apps', { body: seedBody() }));
    const line = logsSince(mark).find((l) => l.includes(res.headers.get('Request-Id')!));
    expect(JSON.parse(line!)).toMatchObject({ status: 401, account_id: null });
  });

  it('by default a success is logged on Node and not on Workers; every error is logged on both', async () => {
    const caller = await newCaller();
    const mark = logMark();
    const ok = await send(request('GET', '/v1/oauth-apps', { token: caller.token }));
    const refused = await send(request('GET', '/v1/oauth-apps?limit=0', { token: caller.token }));
    const missing = await send(request('GET', `/v1/oauth-apps/${crypto.randomUUID()}`, { token: caller.token }));
    expect([ok.status, refused.status, missing.status]).toEqual([200, 422, 404]);
    const lines = logsSince(mark);
    const logged = (res: Response) => lines.filter((l) => l.includes(res.headers.get('Request-Id')!)).length;
    expect(logged(ok)).toBe(targetInfo.name === 'node' ? 1 : 0);
    expect([logged(refused), logged(missing)]).toEqual([1, 1]);
  });

  it('REQUEST_LOG_SAMPLE_RATE logs that share of successes; REQUEST_LOG=all|errors still means 1|0; the rate wins over it', async () => {
    const caller = await newCaller();
    const list = () => request('GET', '/v1/oauth-apps', { token: caller.token });
    const countLogged = async (overrides: Record<string, string>, n: number) => {
      const mark = logMark();
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const res = await sendWithEnv(list(), overrides);
        expect(res.status).toBe(200);
        ids.push(res.headers.get('Request-Id')!);
      }
      const lines = logsSince(mark);
      return ids.filter((id) => lines.some((l) => l.includes(id))).length;
    };
    expect(await countLogged({ REQUEST_LOG_SAMPLE_RATE: '1' }, 5)).toBe(5);
    expect(await countLogged({ REQUEST_LOG_SAMPLE_RATE: '0' }, 5)).toBe(0);
    expect(await countLogged({ REQUEST_LOG: 'all' }, 5)).toBe(5);
    expect(await countLogged({ REQUEST_LOG: 'errors' }, 5)).toBe(0);
    expect(await countLogged({ REQUEST_LOG: 'all', REQUEST_LOG_SAMPLE_RATE: '0' }, 5)).toBe(0);
    // Half of 200: all or none would happen with odds of 2 in 2^200.
    const half = await countLogged({ REQUEST_LOG_SAMPLE_RATE: '0.5' }, 200);
    expect(half).toBeGreaterThan(40);
    expect(half).toBeLessThan(160);
    // Errors whatever the rate.
    const mark = logMark();
    const refused = await sendWithEnv(request('GET', '/v1/oauth-apps?limit=0', { token: caller.token }), { REQUEST_LOG_SAMPLE_RATE: '0' });
    expect(refused.status).toBe(422);
    expect(logsSince(mark).filter((l) => l.includes(refused.headers.get('Request-Id')!))).toHaveLength(1);
  });

  it('a bad REQUEST_LOG or REQUEST_LOG_SAMPLE_RATE is a misconfiguration', async () => {
    const caller = await newCaller();
    for (const bad of [{ REQUEST_LOG: 'some' }, { REQUEST_LOG_SAMPLE_RATE: '2' }, { REQUEST_LOG_SAMPLE_RATE: '-0.1' }, { REQUEST_LOG_SAMPLE_RATE: '1e-2' }, { REQUEST_LOG_SAMPLE_RATE: 'half' }]) {
      const res = await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), bad);
      expect(res.status, JSON.stringify(bad)).toBe(500);
    }
  });

  it("on Workers a Request-Id starts with the request's Ray ID; on Node a client's CF-Ray is not taken", async () => {
    const ray = '8f1e2d3c4b5a6978';
    const res = await send(request('GET', '/v1/providers', { headers: { 'CF-Ray': `${ray}-AMS` } }));
    const id = res.headers.get('Request-Id')!;
    expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(id.startsWith(`req_${ray}`)).toBe(targetInfo.name !== 'node');
    // Not a Ray ID: a random one, as without the header.
    const odd = await send(request('GET', '/v1/providers', { headers: { 'CF-Ray': 'not-a-ray' } }));
    expect(odd.headers.get('Request-Id')).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('the capture the leak check reads does see the worker log', () => {
    expect(capturedLogs().some((l) => l.includes('"msg":"request"'))).toBe(true);
  });
});
