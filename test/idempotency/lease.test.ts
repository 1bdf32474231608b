// The idempotency lease: a request that outlives its 60 s lease, whose key a
// retry then takes over, must not apply its write too. Its write is
// conditional on the reservation still being its own; it changes nothing and
// answers 409. Shown with the real app on the target's real storage: the
// stalled request's write batch is held while time passes (its lease made to
// lapse) and its retry runs and completes.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../src/db/schema';
import { appWithHeldBatches } from '../support/held-batches';
import type { AppObject } from '../support/fixtures';
import { createdApp, db, env, newCaller, newSecret, rawRow, request, send } from '../support/fixtures';

/** The app on the target's storage, whose first write batch runs `meanwhile` first. */
const stalledApp = (meanwhile: () => Promise<void>) => appWithHeldBatches((n) => (n === 0 ? meanwhile() : Promise.resolve()));

/** What passes while a request stalls: its lease lapses. */
async function leaseLapses(key: string): Promise<void> {
  await db()
    .update(idempotencyKeys)
    .set({ leaseExpiresAt: new Date(Date.now() - 1000).toISOString() })
    .where(eq(idempotencyKeys.key, key));
}

async function events(appId: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT action FROM audit_events WHERE app_id = ? ORDER BY seq').bind(appId).all<{ action: string }>();
  return results.map((r) => r.action);
}

describe('a request that lost its Idempotency-Key lease', () => {
  it('PATCH: the retry applies once; the stalled first changes nothing and answers 409 saying so', async () => {
    const caller = await newCaller();
    const app = await createdApp(caller.token);
    const key = crypto.randomUUID();
    // A new client_secret always counts as a change: applied twice, it would be two writes.
    const secret = newSecret();
    const patch = (name: string) =>
      request('PATCH', `/v1/oauth-apps/${app.id}`, { token: caller.token, body: { name, client_secret: secret }, headers: { 'Idempotency-Key': key } });
    let retry: Response | undefined;
    const first = await stalledApp(async () => {
      await leaseLapses(key);
      // The client's retry, with the same key and body, takes the key over and completes.
      retry = await send(patch('renamed'));
    })(patch('renamed'));

    expect(retry!.status).toBe(200);
    // Applied once: one update event, version 2, and the key holds the retry's answer.
    expect(await events(app.id)).toEqual(['oauth_app.created', 'oauth_app.updated']);
    expect((await rawRow(app.id))!.version).toBe(2);
    expect(first.status).toBe(409);
    expect(((await first.json()) as { summary: string }).summary).toMatch(/lease.*changed nothing/);
    const replay = await send(patch('renamed'));
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await replay.text()).toBe(await retry!.clone().text());
  });

  it('POST: the retry creates the app once; the stalled first creates nothing and answers 409', async () => {
    const caller = await newCaller();
    const key = crypto.randomUUID();
    const body = { provider: 'stripe', client_id: crypto.randomUUID(), client_secret: `sk-${crypto.randomUUID()}`, name: 'Once' };
    const post = () => request('POST', '/v1/oauth-apps', { token: caller.token, body, headers: { 'Idempotency-Key': key } });
    let retry: Response | undefined;
    const first = await stalledApp(async () => {
      await leaseLapses(key);
      retry = await send(post());
    })(post());
    expect(retry!.status).toBe(200);
    expect(first.status).toBe(409);
    expect(((await first.json()) as { summary: string }).summary).toMatch(/lease/);
    const created = (await retry!.json()) as AppObject;
    const { results } = await env.DB.prepare('SELECT id FROM oauth_apps WHERE account_id = ?').bind(caller.accountId).all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual([created.id]);
    expect(await events(created.id)).toEqual(['oauth_app.created']);
  });
});
