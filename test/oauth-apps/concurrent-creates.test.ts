// Many creates at once (200, as the Node server's brief asks): each lands once,
// as its own row with its own secret, on every target.
import { describe, expect, it } from 'vitest';
import { createApp, getApp, listApps, newCaller, oauthAppCount, seedBody } from '../support/fixtures';

describe('200 concurrent creates', () => {
  it('all answer 200 and all land, each with its own secret', async () => {
    const caller = await newCaller();
    const before = await oauthAppCount();
    const bodies = Array.from({ length: 200 }, () => seedBody());
    const answers = await Promise.all(bodies.map((body) => createApp(caller.token, body)));
    expect(answers.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const created = (await Promise.all(answers.map((r) => r.json()))) as { id: string; client_id: string }[];
    expect(new Set(created.map((a) => a.id)).size).toBe(200);
    expect(await oauthAppCount()).toBe(before + 200);

    // Listed in full, and every secret decrypts to the one sent with it.
    const ids = new Set<string>();
    let after: string | undefined;
    do {
      const page = (await (await listApps(caller.token, { limit: '100', ...(after ? { starting_after: after } : {}) })).json()) as {
        data: { id: string }[];
        has_more: boolean;
      };
      for (const a of page.data) ids.add(a.id);
      after = page.has_more ? page.data.at(-1)!.id : undefined;
    } while (after);
    expect(ids.size).toBe(200);

    const secrets = await Promise.all(
      created.map(async (a) => ((await (await getApp(caller.token, a.id, '?truncate_secrets=false')).json()) as { client_secret: string }).client_secret),
    );
    expect(secrets).toEqual(bodies.map((b) => b.client_secret));
  }, 60_000);
});
