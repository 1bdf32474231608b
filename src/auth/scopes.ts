// keys:manage is for operators: key status and re-encryption across all
// accounts (counts and key ids only, never a secret).
export const SCOPES = ['oauth_apps:read', 'oauth_apps:write', 'oauth_apps:secrets', 'keys:manage'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Scopes are stored space-separated; unknown names are dropped, never granted. */
export function parseScopes(stored: string): Scope[] {
  return stored.split(' ').filter(isScope);
}
