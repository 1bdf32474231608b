// keys:manage is for operators: key status and re-encryption across all
// accounts (counts and key ids only, never a secret), and their own account's
// trail. oauth_apps:write implies oauth_apps:read (a write's answer is the
// whole app, so a write-only token could read through a PATCH {} anyway);
// oauth_apps:secrets is never implied.
export const SCOPES = ['oauth_apps:read', 'oauth_apps:write', 'oauth_apps:secrets', 'keys:manage'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Scopes are stored space-separated; unknown names are dropped, never granted. */
export function parseScopes(stored: string): Scope[] {
  return stored.split(' ').filter(isScope);
}

/** Whether tokens with `held` may do what `scope` allows. */
export function grants(held: readonly Scope[], scope: Scope): boolean {
  return held.includes(scope) || (scope === 'oauth_apps:read' && held.includes('oauth_apps:write'));
}
