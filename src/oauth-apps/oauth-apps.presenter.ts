// Row -> API object, in one place, so the secret cannot be shown by mistake
// on one route: it is masked unless a plaintext is passed in explicitly.
import type { OAuthAppRow } from '../db/schema';
import { SECRET_MASK } from './oauth-apps.schemas';

export interface OAuthAppObject {
  id: string;
  provider: string;
  name: string;
  client_id: string;
  client_secret: string | null;
  metadata: Record<string, unknown>;
  health: { status: string; notes: string[]; time: string };
  created_at: string;
  updated_at: string;
}

/** ISO 8601 UTC to the second, with Z, as the public API shows it. */
export function apiTimestamp(stored: string): string {
  return new Date(stored).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function presentOAuthApp(row: OAuthAppRow, revealed?: { clientSecret: string | null }): OAuthAppObject {
  return {
    id: row.id,
    provider: row.provider,
    name: row.name,
    client_id: row.clientId,
    client_secret: revealed ? revealed.clientSecret : SECRET_MASK,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    health: {
      status: row.healthStatus,
      notes: JSON.parse(row.healthNotes) as string[],
      time: apiTimestamp(row.healthTime),
    },
    created_at: apiTimestamp(row.createdAt),
    updated_at: apiTimestamp(row.updatedAt),
  };
}
