// Minting API tokens: an account (created if needed) and a token row holding
// only the token's SHA-256. The same code serves `npm run dev` and `npm run token:create`.
import { displayPrefix, generateApiToken, hashApiToken, isWellFormedApiToken } from '../../src/auth/api-token';
import { isScope, type Scope } from '../../src/auth/scopes';
import type { SqlStatement, Store } from './store';

const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export function checkAccountName(name: string): string {
  if (!ACCOUNT_NAME.test(name)) {
    throw new Error('account names are 1-64 characters of letters, digits and _ . @ -, starting with a letter or digit');
  }
  return name;
}

export function parseScopeList(list: string): Scope[] {
  const scopes = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new Error(`unknown or missing scopes: ${unknown.join(', ') || '(none)'}`);
  }
  return [...new Set(scopes)] as Scope[];
}

/**
 * Ensures the account and a token row for `token` (a new one unless given).
 * Idempotent for a given token. Returns the token and the account id.
 */
export async function ensureToken(
  options: { account: string; scopes: Scope[]; token?: string },
  store: Store,
): Promise<{ token: string; accountId: string }> {
  const [minted] = await ensureTokens({ ...options, tokens: [options.token ?? generateApiToken()] }, store);
  return minted!;
}

/** ensureToken for several tokens of one account, in one round trip to the store. */
export async function ensureTokens(
  options: { account: string; scopes: Scope[]; tokens: string[] },
  store: Store,
): Promise<{ token: string; accountId: string }[]> {
  const account = checkAccountName(options.account);
  const now = new Date().toISOString();
  const hashes: string[] = [];
  const statements: SqlStatement[] = [
    {
      sql: 'INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
      args: [crypto.randomUUID(), account, now],
    },
  ];
  for (const token of options.tokens) {
    if (!isWellFormedApiToken(token)) throw new Error('not a well-formed API token');
    const hash = await hashApiToken(token);
    hashes.push(hash);
    statements.push({
      sql: `INSERT INTO api_tokens (id, account_id, token_hash, token_prefix, scopes, created_at)
         SELECT ?, id, ?, ?, ?, ? FROM accounts WHERE name = ?
         ON CONFLICT (token_hash) DO NOTHING`,
      args: [crypto.randomUUID(), hash, displayPrefix(token), options.scopes.join(' '), now, account],
    });
  }
  for (const hash of hashes) {
    statements.push({ sql: 'SELECT account_id, revoked_at FROM api_tokens WHERE token_hash = ?', args: [hash] });
  }
  const results = await store.run(statements);
  const rows = results.slice(-hashes.length);
  return options.tokens.map((token, i) => {
    const row = rows[i]?.[0];
    if (!row || typeof row.account_id !== 'string') throw new Error('the token row was not written');
    if (row.revoked_at !== null) throw new Error('this token has been revoked');
    return { token, accountId: row.account_id };
  });
}
