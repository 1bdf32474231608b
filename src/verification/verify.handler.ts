// POST /v1/oauth-apps/{id}/verify: asks the app's provider whether it accepts
// the stored client credentials, and answers with the app as GET does, its
// verdict in verification and health. Reads top to bottom: the endpoint it
// may call (or why none), the claim (the per-app minute and the account's
// hourly budget, before anything is sent), the secret opened for this one
// request, the probe, the verdict and its event in one batch.
import type { Context } from 'hono';
import { requestActor } from '../audit/audit-events';
import { healthChangedEventStatements } from '../audit/audit.repository';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import { appId, keyringOf, notFound, rulesOf } from '../oauth-apps/oauth-apps.handlers';
import { oauthAppEtag, presentOAuthApp } from '../oauth-apps/oauth-apps.presenter';
import { findOAuthApp } from '../oauth-apps/oauth-apps.repository';
import { announceOf, movedAnnouncements, openClientSecret } from '../oauth-apps/oauth-apps.service';
import { recordVerdictsStatement } from '../keys/custody.repository';
import type { OAuthAppRow } from '../db/schema';
import { probeSecret } from './probe';
import { endpointOrRefuse } from './verifiable-endpoint';
import type { ProviderSettings } from './token-endpoint';
import { claimVerification, recordVerification } from './verification.repository';

export async function verifyHandler(c: Context<AppEnv>): Promise<Response> {
  const id = appId(c);
  const db = c.get('db');
  const config = c.get('config');
  const row = await findOAuthApp(db, c.get('auth').accountId, id);
  if (!row) throw notFound();

  const endpoint = endpointOrRefuse(row.provider, JSON.parse(row.providerSettings) as ProviderSettings, config);
  const claim = await claimVerification(db, row, config.verificationsPerAccountPerHour, new Date());
  if (!claim.claimed) {
    if ('gone' in claim) throw notFound();
    const headers = { 'Retry-After': String(claim.retryAfterSeconds) };
    if (claim.limit === 'app') {
      throw new ApiError('verification_rate_limited', 'This app was verified less than a minute ago; retry after the number of seconds in Retry-After.', {
        headers,
      });
    }
    throw new ApiError(
      'verification_budget_spent',
      `This account has started its ${config.verificationsPerAccountPerHour} verifications of this hour; retry after the number of seconds in Retry-After.`,
      { headers },
    );
  }

  const keyring = await keyringOf(c);
  const opened = await openClientSecret(keyring, row);
  const plaintext = 'plaintext' in opened ? opened.plaintext : undefined;
  const result = await probeSecret(endpoint, row.clientId, plaintext, config.verificationTimeoutSeconds);
  const now = new Date();
  const rules = rulesOf(c, keyring, now);
  const actor = requestActor(c);
  // A secret that no longer authenticates is health error from now on, as a reveal records it.
  let alongside: ReturnType<typeof recordVerdictsStatement>[] = [];
  let custody: Partial<OAuthAppRow> = {};
  if ('note' in opened && opened.rowAtFault && row.healthStatus !== 'error') {
    const verdict = { healthStatus: 'error', healthNotes: JSON.stringify([opened.note]), healthTime: now.toISOString() };
    const announce = announceOf(row, verdict, rules);
    alongside = [
      ...healthChangedEventStatements(db, movedAnnouncements([{ row, announce }]), actor, now),
      recordVerdictsStatement(db, [{ id: row.id, ciphertext: row.clientSecretCiphertext, status: 'error', notes: [opened.note], announce }], now),
    ];
    custody = { ...verdict, healthAnnounced: announce.to };
  }
  // The row as the verdict left it; read again only when the verdict was not stored.
  const current =
    (await recordVerification(db, row, result, actor, now, rules, alongside, custody)) ?? (await findOAuthApp(db, row.accountId, row.id));
  if (!current) throw notFound();
  return c.json(presentOAuthApp(current, rules), 200, { ETag: oauthAppEtag(current) });
}
