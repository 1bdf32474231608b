// npm run token:create -- --account <name> [--scopes a,b,c] [--expires 30d] [--remote | --libsql]
// Mints an API token for an account (created if needed) in the local D1
// (default; migrations applied first), the deployed one (--remote), or the
// libSQL database of the Node server (--libsql: LIBSQL_URL, default
// ./data/oauth-apps.db; migrations applied first).
// The token is printed once, as the last line; only its hash is stored.
import { parseArgs } from 'node:util';
import { SCOPES } from '../src/auth/scopes';
import { d1Store, libsqlStore } from './lib/store';
import { checkAccountName, ensureToken, parseExpiry, parseScopeList } from './lib/tokens';

const DEFAULT_SCOPES = 'oauth_apps:read,oauth_apps:write';
const usage = `usage: npm run token:create -- --account <name> [--scopes ${SCOPES.join(',')}] [--expires 30d|12h|45m|<ISO time>] [--remote | --libsql]
  default scopes: ${DEFAULT_SCOPES} (add oauth_apps:secrets to read secrets back;
  keys:manage is for operators: npm run keys:status / keys:rotate)
  --expires the token stops working then (default: no expiry; revoke with npm run token:revoke)
  --remote  the deployed D1 (wrangler.toml)
  --libsql  the Node server's libSQL database: LIBSQL_URL (+ LIBSQL_AUTH_TOKEN), default file:./data/oauth-apps.db`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        account: { type: 'string' },
        scopes: { type: 'string', default: DEFAULT_SCOPES },
        expires: { type: 'string' },
        remote: { type: 'boolean', default: false },
        libsql: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  if (!values.account) fail('--account is required');
  if (values.remote && values.libsql) fail('--remote and --libsql exclude each other');
  let scopes;
  let expiresAt: Date | undefined;
  try {
    checkAccountName(values.account);
    scopes = parseScopeList(values.scopes);
    if (values.expires !== undefined) expiresAt = parseExpiry(values.expires);
  } catch (err) {
    fail((err as Error).message);
  }
  const store = values.libsql ? await libsqlStore() : await d1Store({ remote: values.remote });
  let minted;
  try {
    minted = await ensureToken({ account: values.account, scopes, ...(expiresAt ? { expiresAt } : {}) }, store);
  } finally {
    store.close();
  }
  const { token, accountId } = minted;
  const expiry = expiresAt ? `, expires ${expiresAt.toISOString()}` : '';
  console.error(`Token for account "${values.account}" (${accountId}) in ${store.description}, scopes: ${scopes.join(' ')}${expiry}.`);
  console.error('It is shown once and stored only as a hash:');
  console.log(token);
}

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

await main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
