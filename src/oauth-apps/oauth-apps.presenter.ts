// Row -> API object, in one place, so the secret cannot be shown by mistake
// on one route: it is masked unless a reveal is passed in explicitly.
import type { OAuthAppRow } from '../db/schema';
import { apiTimestamp } from '../util/api-time';
import { healthOf, type HealthRules } from './health';
import { SECRET_MASK } from './oauth-apps.schemas';

export interface OAuthAppObject {
  id: string;
  provider: string;
  name: string;
  client_id: string;
  client_secret: string | null;
  client_secret_expires_at: string | null;
  metadata: Record<string, unknown>;
  provider_settings: Record<string, string>;
  health: { status: 'ok' | 'warn' | 'error'; notes: string[]; time: string };
  verification: Verification | null;
  created_at: string;
  updated_at: string;
}

/** The provider's last verdict on the client credentials (POST .../verify). */
export interface Verification {
  status: 'valid' | 'invalid' | 'inconclusive';
  time: string;
  provider_error: string | null;
  reason: string | null;
}

/** A secret asked for: its plaintext, or why it could not be opened. */
export type Reveal = { clientSecret: string } | { failure: string; at: Date };

export { apiTimestamp };

/** The row as the API shows it; health reads the key id against the keyring and the expiry against the clock (no decryption). */
export function presentOAuthApp(row: OAuthAppRow, rules: HealthRules, reveal?: Reveal): OAuthAppObject {
  let clientSecret: string | null = SECRET_MASK;
  const stored = healthOf(row, rules);
  let health = { status: stored.status, notes: stored.notes, time: apiTimestamp(stored.time) };
  if (reveal && 'clientSecret' in reveal) clientSecret = reveal.clientSecret;
  if (reveal && 'failure' in reveal) {
    clientSecret = null;
    health = { status: 'error' as const, notes: [reveal.failure], time: apiTimestamp(reveal.at) };
  }
  return {
    id: row.id,
    provider: row.provider,
    name: row.name,
    client_id: row.clientId,
    client_secret: clientSecret,
    client_secret_expires_at: row.clientSecretExpiresAt === null ? null : apiTimestamp(row.clientSecretExpiresAt),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    provider_settings: JSON.parse(row.providerSettings) as Record<string, string>,
    health,
    verification:
      row.verificationStatus === null || row.verificationTime === null
        ? null
        : {
            status: row.verificationStatus as Verification['status'],
            time: apiTimestamp(row.verificationTime),
            provider_error: row.verificationProviderError,
            reason: row.verificationReason,
          },
    created_at: apiTimestamp(row.createdAt),
    updated_at: apiTimestamp(row.updatedAt),
  };
}

/** The ETag of an app: its version counter, which every write bumps. */
export function oauthAppEtag(row: Pick<OAuthAppRow, 'version'>): string {
  return `"v${row.version}"`;
}
