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
  options: { account: string; scopes: Scope[]; token?: string; expiresAt?: Date },
  store: Store,
): Promise<{ token: string; accountId: string }> {
  const [minted] = await ensureTokens({ ...options, tokens: [options.token ?? generateApiToken()] }, store);
  return minted!;
}

/** ensureToken for several tokens of one account, in one round trip to the store. */
export async function ensureTokens(
  options: { account: string; scopes: Scope[]; tokens: string[]; expiresAt?: Date },
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
      sql: `INSERT INTO api_tokens (id, account_id, token_hash, token_prefix, scopes, created_at, expires_at)
         SELECT ?, id, ?, ?, ?, ?, ${options.expiresAt ? '?' : 'NULL'} FROM accounts WHERE name = ?
         ON CONFLICT (token_hash) DO NOTHING`,
      args: [
        crypto.randomUUID(),
        hash,
        displayPrefix(token),
        options.scopes.join(' '),
        now,
        ...(options.expiresAt ? [options.expiresAt.toISOString()] : []),
        account,
      ],
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

/** "30d", "12h", "45m" or an ISO 8601 time: when a new token stops working. */
export function parseExpiry(value: string, now = new Date()): Date {
  const relative = /^(\d{1,6})([dhm])$/.exec(value);
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + Number(relative[1]) * unit);
  }
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw new Error(`--expires must be like 30d, 12h, 45m or an ISO 8601 time, not "${value}"`);
  if (at.getTime() <= now.getTime()) throw new Error('--expires must be in the future');
  return at;
}

/** What a token listing shows: never the token, never its hash. */
export interface TokenListing {
  id: string;
  prefix: string;
  account: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

// What a listing selects: never the token's hash.
const LISTING = `SELECT t.id AS id, t.token_prefix AS prefix, a.name AS account, t.scopes AS scopes, t.created_at AS created_at,
    t.last_used_at AS last_used_at, t.expires_at AS expires_at, t.revoked_at AS revoked_at
  FROM api_tokens t JOIN accounts a ON a.id = t.account_id`;

/** The tokens of one account, or of all; newest first. */
export async function listTokens(store: Store, account?: string): Promise<TokenListing[]> {
  const [rows] = await store.run([
    {
      sql: `${LISTING} ${account === undefined ? '' : 'WHERE a.name = ?'} ORDER BY t.created_at DESC, t.id`,
      args: account === undefined ? [] : [checkAccountName(account)],
    },
  ]);
  return (rows ?? []) as unknown as TokenListing[];
}

/**
 * Revokes the token with this id or display prefix (exactly one must match),
 * in one round trip to the store: the update applies only if one token
 * matches. Revoking a revoked token changes nothing. Returns the token as listed.
 */
export async function revokeToken(store: Store, idOrPrefix: string, now = new Date()): Promise<TokenListing> {
  const matching = 'SELECT id FROM api_tokens WHERE id = ? OR token_prefix = ?';
  const select = { sql: `${LISTING} WHERE t.id = ? OR t.token_prefix = ?`, args: [idOrPrefix, idOrPrefix] };
  const results = await store.run([
    {
      sql: `UPDATE api_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND id IN (${matching}) AND (SELECT count(*) FROM (${matching})) = 1`,
      args: [now.toISOString(), idOrPrefix, idOrPrefix, idOrPrefix, idOrPrefix],
    },
    select,
  ]);
  const matches = (results.at(-1) ?? []) as unknown as TokenListing[];
  if (matches.length === 0) throw new Error(`no token has the id or prefix "${idOrPrefix}"`);
  if (matches.length > 1) throw new Error(`${matches.length} tokens have the prefix "${idOrPrefix}": give the id instead`);
  return matches[0]!;
}
