// x-d1-bookmark: read-your-writes across requests on D1 (Sessions API); on
// libSQL (one primary) there is no bookmark, and every read sees every write.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createApp,
  createdApp,
  getApp,
  listApps,
  newCaller,
  oauthAppCount,
  request,
  seedBody,
  send,
  targetInfo,
  type TestToken,
} from '../support/fixtures';

const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

let caller: TestToken;
beforeAll(async () => {
  caller = await newCaller();
});

const withBookmark = (bookmark: string) => ({ 'x-d1-bookmark': bookmark });

describe.runIf(targetInfo.bookmarks)('D1: x-d1-bookmark', () => {
  it('a write answered with bookmark B, then a read sending B, sees the write', async () => {
    const created = await createApp(caller.token);
    expect(created.status).toBe(200);
    const b = created.headers.get('x-d1-bookmark');
    expect(b).toMatch(BOOKMARK);
    const { id } = (await created.json()) as { id: string };

    const read = await send(request('GET', `/v1/oauth-apps/${id}`, { token: caller.token, headers: withBookmark(b!) }));
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe(id);
    // The read's session is at least as fresh as B.
    expect(read.headers.get('x-d1-bookmark')! >= b!).toBe(true);

    const list = await send(request('GET', '/v1/oauth-apps', { token: caller.token, headers: withBookmark(b!) }));
    expect(((await list.json()) as { data: { id: string }[] }).data.map((a) => a.id)).toContain(id);
  });

  it('bookmarks only move forward: each later write answers one that sorts after', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push((await createApp(caller.token)).headers.get('x-d1-bookmark')!);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(3);
  });

  it('every answer of a request that reached storage carries one, errors included', async () => {
    const app = await createdApp(caller.token);
    const answers = [
      await getApp(caller.token, app.id), // 200
      await getApp(caller.token, crypto.randomUUID()), // 404
      await createApp(caller.token, { provider: 'nope' }), // 422
      await listApps(caller.token),
      await getApp('oat_' + 'x'.repeat(43), app.id), // 401: the token was looked up
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 404, 422, 200, 401]);
    for (const res of answers) expect(res.headers.get('x-d1-bookmark')).toMatch(BOOKMARK);
  });

  it('first-primary is accepted and answers a bookmark', async () => {
    const res = await send(request('GET', '/v1/oauth-apps', { token: caller.token, headers: withBookmark('first-primary') }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-d1-bookmark')).toMatch(BOOKMARK);
  });
});

describe.runIf(!targetInfo.bookmarks)('libSQL: one primary, no bookmark', () => {
  it('answers carry no x-d1-bookmark, and a read without one sees the write', async () => {
    const created = await createApp(caller.token);
    expect(created.status).toBe(200);
    expect(created.headers.get('x-d1-bookmark')).toBeNull();
    const { id } = (await created.json()) as { id: string };
    const read = await getApp(caller.token, id);
    expect(read.status).toBe(200);
    expect(read.headers.get('x-d1-bookmark')).toBeNull();
  });

  it('a well-formed bookmark from a D1 deployment is accepted and changes nothing', async () => {
    const app = await createdApp(caller.token);
    const res = await send(
      request('GET', `/v1/oauth-apps/${app.id}`, {
        token: caller.token,
        headers: withBookmark('00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683'),
      }),
    );
    expect(res.status).toBe(200);
  });
});

describe('a malformed x-d1-bookmark', () => {
  const bad = ['garbage', '00000085-0000024c-00004c6d', 'FFFFFFFF-0000024C-00004C6D-8E61117BF38D7ADB71B934EBBF891683', 'first-primary; drop', 'x'.repeat(300)];
  for (const value of bad) {
    it(`is refused with 400 and writes nothing: ${value.slice(0, 30)}`, async () => {
      const before = await oauthAppCount();
      const res = await send(request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody(), headers: withBookmark(value) }));
      expect(res.status).toBe(400);
      const body = (await res.json()) as Record<string, string>;
      expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'summary']);
      expect(body.summary).toMatch(/x-d1-bookmark/);
      expect(JSON.stringify(body)).not.toContain(value);
      expect(await oauthAppCount()).toBe(before);
    });
  }
});
