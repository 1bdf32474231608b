// Honest health: a tampered ciphertext is found (by the verification sweep,
// or when revealed) and shown as error; a key missing from the keyring is
// error at once; the others stay ok. Reads never decrypt.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppObject } from '../support/fixtures';
import { createdApp, env, getApp, listApps, newCaller, newSecret, patchApp, runScheduled, type TestToken } from '../support/fixtures';

let owner: TestToken;
beforeAll(async () => {
  owner = await newCaller();
});

async function shown(id: string, query = ''): Promise<AppObject> {
  const res = await getApp(owner.token, id, query);
  expect(res.status).toBe(200);
  return (await res.json()) as AppObject;
}

/** Flips one bit in the middle of the stored ciphertext, as an attacker with database access might. */
async function tamper(id: string): Promise<void> {
  const row = await env.DB.prepare('SELECT client_secret_ciphertext AS c FROM oauth_apps WHERE id = ?').bind(id).first<{ c: string }>();
  const bytes = Uint8Array.from(atob(row!.c), (ch) => ch.charCodeAt(0));
  bytes[20]! ^= 1;
  const changed = btoa(String.fromCharCode(...bytes));
  await env.DB.prepare('UPDATE oauth_apps SET client_secret_ciphertext = ? WHERE id = ?').bind(changed, id).run();
}

async function idsWithHealth(status: string): Promise<string[]> {
  const res = await listApps(owner.token, { 'health.status': status });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: AppObject[] }).data.map((a) => a.id).sort();
}

describe('health', () => {
  it('a tampered row shows error after the verification sweep; the others stay ok, their time refreshed', async () => {
    const apps = [await createdApp(owner.token), await createdApp(owner.token), await createdApp(owner.token)];
    const victim = apps[1]!;
    await tamper(victim.id);
    // Nothing has decrypted it yet: health is the last verdict, never a guess made on read.
    expect((await shown(victim.id)).health.status).toBe('ok');

    // Checked longest ago, so the sweep takes them first (a database shared with other files has older rows).
    for (const app of apps) {
      await env.DB.prepare("UPDATE oauth_apps SET health_time = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(app.id).run();
    }
    const sweptAt = new Date(Date.now() + 60_000);
    await runScheduled(sweptAt);
    const after = await shown(victim.id);
    expect(after.health.status).toBe('error');
    expect(after.health.notes).toEqual([
      'The client secret could not be decrypted: the ciphertext does not authenticate (corrupted or tampered). Set a new client_secret.',
    ]);
    expect(after.health.time).toBe(sweptAt.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    for (const app of [apps[0]!, apps[2]!]) {
      const health = (await shown(app.id)).health;
      expect(health.status).toBe('ok');
      expect(health.time).toBe(after.health.time); // re-established by the sweep
    }
    expect(await idsWithHealth('error')).toEqual([victim.id]);
    expect(await idsWithHealth('ok')).toEqual([apps[0]!.id, apps[2]!.id].sort());
  });

  it('revealing a tampered secret answers null with error, and stores the verdict', async () => {
    const app = await createdApp(owner.token);
    await tamper(app.id);
    const revealed = await shown(app.id, '?truncate_secrets=false');
    expect(revealed.client_secret).toBeNull();
    expect(revealed.health.status).toBe('error');
    expect((await shown(app.id)).health.status).toBe('error');
  });

  it('a new client_secret heals an error', async () => {
    const app = await createdApp(owner.token);
    await tamper(app.id);
    await shown(app.id, '?truncate_secrets=false');
    const secret = newSecret();
    const res = await patchApp(owner.token, app.id, { client_secret: secret });
    expect(res.status).toBe(200);
    expect(((await res.json()) as AppObject).health).toMatchObject({ status: 'ok', notes: [] });
    expect((await shown(app.id, '?truncate_secrets=false')).client_secret).toBe(secret);
  });

  it('a key missing from the keyring is error at once, without decrypting; restoring it heals', async () => {
    const app = await createdApp(owner.token);
    const keyId = (await env.DB.prepare('SELECT client_secret_key_id AS k FROM oauth_apps WHERE id = ?').bind(app.id).first<{ k: string }>())!.k;
    await env.DB.prepare("UPDATE oauth_apps SET client_secret_key_id = 'gone' WHERE id = ?").bind(app.id).run();
    const missing = await shown(app.id);
    expect(missing.health).toMatchObject({
      status: 'error',
      notes: ['The client secret is encrypted with the key "gone", which is not in the keyring: it cannot be decrypted until that key is restored.'],
    });
    expect(await idsWithHealth('error')).toContain(app.id);
    // Not stored as the row's verdict: it is the keyring's state.
    await env.DB.prepare('UPDATE oauth_apps SET client_secret_key_id = ? WHERE id = ?').bind(keyId, app.id).run();
    expect((await shown(app.id)).health.status).toBe('ok');
  });
});
