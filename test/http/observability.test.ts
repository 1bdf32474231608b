// Request-Id on every response, one structured log line per request, and no
// body, token or secret in any log line.
import { describe, expect, it } from 'vitest';
import { createApp, newCaller, request, seedBody, send, sendWithEnv } from '../support/fixtures';
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

  it('writes exactly one structured line per request, with the fields and nothing else', async () => {
    const caller = await newCaller();
    const body = seedBody();
    const mark = logMark();
    const res = await createApp(caller.token, body);
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

  it('with REQUEST_LOG=errors, only answers of 400 and up are logged; a bad value is a misconfiguration', async () => {
    const caller = await newCaller();
    const quiet = { REQUEST_LOG: 'errors' };
    const mark = logMark();
    const ok = await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), quiet);
    const refused = await sendWithEnv(request('GET', '/v1/oauth-apps?limit=0', { token: caller.token }), quiet);
    expect([ok.status, refused.status]).toEqual([200, 422]);
    const lines = logsSince(mark);
    expect(lines.some((l) => l.includes(ok.headers.get('Request-Id')!))).toBe(false);
    expect(lines.filter((l) => l.includes(refused.headers.get('Request-Id')!))).toHaveLength(1);
    const bad = await sendWithEnv(request('GET', '/v1/oauth-apps', { token: caller.token }), { REQUEST_LOG: 'some' });
    expect(bad.status).toBe(500);
  });

  it('the capture the leak check reads does see the worker log', () => {
    expect(capturedLogs().some((l) => l.includes('"msg":"request"'))).toBe(true);
  });
});
