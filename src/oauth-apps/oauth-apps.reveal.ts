// Disclosing stored secrets, free of HTTP: open each row's secret, and record
// in one batch, before anything is shown, one reveal event naming every app
// disclosed and any change of verdict (a secret that no longer authenticates
// is health error from now on; one that opens again is ok). Only an answer
// that carries the plaintexts may call this: a HEAD never does.
import type { Actor } from '../audit/audit-events';
import { auditStatements, healthChangedEventStatements } from '../audit/audit.repository';
import type { Keyring } from '../crypto/keyring';
import type { Database, Statement } from '../db/client';
import type { OAuthAppRow } from '../db/schema';
import { recordVerdictsStatement, type Verdict } from '../keys/custody.repository';
import type { Reveal } from './oauth-apps.presenter';
import { healthRules, type HealthRules } from './health';
import { announceOf, movedAnnouncements, openClientSecret, type Judged } from './oauth-apps.service';

export interface Revealed {
  /** The rows as recorded: a verdict stored here shows in the answer that stored it. */
  rows: OAuthAppRow[];
  reveals: Map<string, Reveal>;
}

/** Opens the rows' secrets (all of one account). A row that fails to open reports it instead of failing the request. */
export async function revealSecrets(
  db: Database,
  actor: Actor,
  keyring: Keyring,
  rows: OAuthAppRow[],
  now = new Date(),
  rules: HealthRules = healthRules(keyring, undefined, now),
): Promise<Revealed> {
  const reveals = new Map<string, Reveal>();
  const verdicts: Verdict[] = [];
  const judged: Judged[] = [];
  const judge = (row: OAuthAppRow, status: Verdict['status'], notes: string[]): OAuthAppRow => {
    const changes = { healthStatus: status, healthNotes: JSON.stringify(notes), healthTime: now.toISOString() };
    const announce = announceOf(row, changes, rules);
    verdicts.push({ id: row.id, ciphertext: row.clientSecretCiphertext, status, notes, announce });
    judged.push({ row, announce });
    return { ...row, ...changes, healthAnnounced: announce.to };
  };
  const disclosed: string[] = [];
  const opened = await Promise.all(rows.map((row) => openClientSecret(keyring, row)));
  const recorded = rows.map((row, i) => {
    const result = opened[i]!;
    if ('plaintext' in result) {
      reveals.set(row.id, { clientSecret: result.plaintext });
      disclosed.push(row.id);
      if (row.healthStatus === 'ok') return row;
      return judge(row, 'ok', []);
    }
    reveals.set(row.id, { failure: result.note, at: now });
    if (!result.rowAtFault || row.healthStatus === 'error') return row;
    return judge(row, 'error', [result.note]);
  });
  const statements: Statement[] = [];
  const accountId = rows[0]?.accountId;
  if (accountId !== undefined && disclosed.length > 0) {
    statements.push(...auditStatements(db, { accountId, appIds: disclosed, action: 'oauth_app.secret_revealed' }, actor, now));
  }
  if (verdicts.length > 0) statements.push(...healthChangedEventStatements(db, movedAnnouncements(judged), actor, now), recordVerdictsStatement(db, verdicts, now));
  if (statements.length > 0) await db.batch(statements as [Statement, ...Statement[]]);
  return { rows: recorded, reveals };
}
