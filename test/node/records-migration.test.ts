// Migration 0004 on a database that already holds apps and events: a secret
// sealed before generations (associated data without one) still opens, at
// generation 0, and key custody re-seals it; every old event keeps its app,
// gains app_ids and its audit_event_apps row, and is found by its app.
import { createClient } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runActor } from '../../src/audit/audit-events';
import { listAuditEvents } from '../../src/audit/audit.repository';
import { bytesToBase64, utf8 } from '../../src/crypto/encoding';
import { loadKeyring, newKeyringSecret } from '../../src/crypto/keyring';
import { applyLibsqlMigrations, MIGRATIONS_DIR, readMigrations } from '../../src/db/ledger';
import { libsqlNodeDatabase } from '../../src/db/libsql-node';
import { rotateBatch } from '../../src/keys/custody';
import { findOAuthApp } from '../../src/oauth-apps/oauth-apps.repository';
import { revealClientSecret } from '../../src/oauth-apps/oauth-apps.service';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-0004-'));
const client = createClient({ url: `file:${join(dir, 'db.sqlite')}` });
afterAll(() => {
  client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A ciphertext as the code before 0004 sealed it: AAD ["field-cipher/v1", field, account, row]. */
async function sealedBefore0004(key: CryptoKey, plaintext: string, accountId: string, rowId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = utf8.encode(JSON.stringify(['field-cipher/v1', 'oauth_apps.client_secret', accountId, rowId]));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, utf8.encode(plaintext)));
  const out = new Uint8Array(12 + sealed.length);
  out.set(iv);
  out.set(sealed, 12);
  return bytesToBase64(out);
}

it('old secrets open at generation 0 and are re-sealed; old events keep their app and are found by it', async () => {
  const all = readMigrations(MIGRATIONS_DIR);
  const upTo = all.findIndex((m) => m.name.startsWith('0004'));
  expect(upTo).toBeGreaterThan(0);
  await applyLibsqlMigrations(client, all.slice(0, upTo));

  const keyring = await loadKeyring(newKeyringSecret('k1'));
  const at = '2026-01-01T00:00:00.000Z';
  await client.execute({ sql: 'INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)', args: ['acc-a', 'a', at] });
  const ciphertext = await sealedBefore0004(keyring.keys.get('k1')!, 'old-secret', 'acc-a', 'app-1');
  await client.execute({
    sql: `INSERT INTO oauth_apps (id, account_id, provider, name, client_id, client_secret_ciphertext, client_secret_key_id,
            metadata, health_status, health_notes, health_time, version, created_at, updated_at)
          VALUES ('app-1', 'acc-a', 'stripe', 'app', 'client-1', ?, 'k1', '{}', 'ok', '[]', ?, 1, ?, ?)`,
    args: [ciphertext, at, at, at],
  });
  for (const [i, action] of ['oauth_app.created', 'oauth_app.secret_revealed'].entries()) {
    await client.execute({
      sql: `INSERT INTO audit_events (id, account_id, app_id, action, details, token_id, request_id, created_at)
            VALUES (?, 'acc-a', 'app-1', ?, '{}', 'tok', 'req_x', ?)`,
      args: [`evt_${String(i).repeat(32)}`, action, at],
    });
  }

  expect(await applyLibsqlMigrations(client)).toEqual(all.slice(upTo).map((m) => m.name));
  const db = libsqlNodeDatabase(client);

  const row = (await findOAuthApp(db, 'acc-a', 'app-1'))!;
  expect(row.clientSecretGeneration).toBe(0);
  expect(await revealClientSecret(keyring, row)).toBe('old-secret');

  const events = await listAuditEvents(db, 'acc-a', { appId: 'app-1' }, undefined, 10);
  expect(events.map((e) => [e.action, e.appId, e.appIds])).toEqual([
    ['oauth_app.secret_revealed', 'app-1', '["app-1"]'],
    ['oauth_app.created', 'app-1', '["app-1"]'],
  ]);
  // The rebuilt table goes on numbering after the old events.
  await client.execute(
    "INSERT INTO audit_events (id, account_id, app_id, action, request_id, created_at) VALUES ('evt_new', 'acc-a', 'app-1', 'oauth_app.deleted', 'r', '2026-01-02')",
  );
  expect((await client.execute("SELECT seq FROM audit_events WHERE id = 'evt_new'")).rows[0]!.seq).toBe(3);

  // Key custody re-seals it at generation 1, under the same key, the secret unchanged.
  const batch = await rotateBatch(db, keyring, 10, runActor());
  expect(batch).toMatchObject({ reencrypted: 1, failed: 0, remaining: 0 });
  const resealed = (await findOAuthApp(db, 'acc-a', 'app-1'))!;
  expect([resealed.clientSecretGeneration, resealed.clientSecretKeyId]).toEqual([1, 'k1']);
  expect(await revealClientSecret(keyring, resealed)).toBe('old-secret');
  // The old ciphertext no longer opens in the row.
  await expect(revealClientSecret(keyring, { ...resealed, clientSecretCiphertext: ciphertext })).rejects.toThrow(/does not authenticate/);
});
