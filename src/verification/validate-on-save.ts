// Validate on save: create and PATCH with ?verify=true ask the provider about
// the credentials they are about to write, before anything is written. One
// unit of the account's hourly budget, one outbound request (the same probe
// as POST .../verify), then:
//   valid, inconclusive   the save goes on, the verdict stored with it (and
//                         its oauth_app.verified event, in the save's batch);
//   invalid               422 credentials_rejected: nothing is written (no
//                         row, no event) and the Idempotency-Key is released,
//                         so a corrected retry may use the same key.
// The per-app minute of POST .../verify is not taken: these are new
// credentials, bounded by the account's budget.
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import { releaseKeyAfter } from '../idempotency/answer';
import { probeSecret, type ProbeResult } from './probe';
import type { ProviderSettings } from './token-endpoint';
import { claimAccountBudget } from './verification.repository';
import { endpointOrRefuse } from './verifiable-endpoint';

/** The save asked to verify first. */
export const verifyRequested = (c: Context<AppEnv>) => c.req.query('verify') === 'true';

export interface SaveTarget {
  accountId: string;
  provider: string;
  providerSettings: ProviderSettings;
  clientId: string;
  /** The secret to be saved, in memory for this request; undefined when the stored one does not open. */
  clientSecret: string | undefined;
}

/** Asks the provider; throws 422 credentials_rejected (key released) on invalid, the refusals of verify, or 429 when the budget is spent. */
export async function verifyBeforeSave(c: Context<AppEnv>, target: SaveTarget, now: Date): Promise<ProbeResult> {
  const config = c.get('config');
  const db = c.get('db');
  const endpoint = endpointOrRefuse(target.provider, target.providerSettings, config);
  const claim = await claimAccountBudget(db, target.accountId, config.verificationsPerAccountPerHour, now);
  if (!claim.claimed) {
    throw new ApiError(
      'verification_budget_spent',
      `This account has started its ${config.verificationsPerAccountPerHour} verifications of this hour; nothing was saved. Retry after the number of seconds in Retry-After, or save without verify=true.`,
      { headers: { 'Retry-After': String(claim.retryAfterSeconds) } },
    );
  }
  const result = await probeSecret(endpoint, target.clientId, target.clientSecret, config.verificationTimeoutSeconds);
  if (result.status === 'invalid') {
    // The refusal is the provider's answer of this moment, not the request's: not replayed.
    releaseKeyAfter(c);
    const code = result.providerError ?? 'rejected';
    throw new ApiError(
      'credentials_rejected',
      `The provider rejected the client credentials (${code}); nothing was saved. Correct client_id or client_secret and retry (the same Idempotency-Key may be used).`,
      {
        validationErrors: { client_secret: [`was rejected by the provider together with the client_id (${code})`] },
        fields: { provider_error: code },
      },
    );
  }
  return result;
}
