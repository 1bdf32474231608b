// npm run token:create -- --account <name> [--scopes a,b,c] [--expires 30d] [--local | --node | --remote | --libsql-url <url>]
// Mints an API token for an account (created if needed) in the database the
// target flag names (default: the local D1; local ones are migrated first).
// The token is printed once, alone, as the last line of stdout; only its hash is stored.
import { SCOPES } from '../src/auth/scopes';
import { commandLine, runScript, UsageError } from './lib/cli';
import { storeFor } from './lib/store';
import { STORE_TARGETS, storeTarget, storeTargetUsage } from './lib/targets';
import { checkAccountName, ensureToken, parseExpiry, parseScopeList } from './lib/tokens';

const DEFAULT_SCOPES = 'oauth_apps:read,oauth_apps:write';
const usage = `Usage: npm run token:create -- --account <name> [--scopes <list>] [--expires <when>] [where]
Mints an API token for the account (created if it does not exist). The token is
printed once, alone on the last line of stdout; only its hash is stored.
  --account <name>    the account (1-100 printable characters)
  --scopes <list>     comma-separated, of ${SCOPES.join(', ')}
                      (default ${DEFAULT_SCOPES}; add oauth_apps:secrets to read secrets back;
                      keys:manage is for operators: npm run keys:status / keys:rotate)
  --expires <when>    30d, 12h, 45m or an ISO time: the token stops working then (default: never;
                      revoke with npm run token:revoke)
${storeTargetUsage}`;

const { values } = commandLine({
  usage,
  options: { account: { type: 'string' }, scopes: { type: 'string', default: DEFAULT_SCOPES }, expires: { type: 'string' }, ...STORE_TARGETS },
});

await runScript(usage, async () => {
  if (!values.account) throw new UsageError('--account is required');
  const target = storeTarget(values);
  let scopes;
  let expiresAt: Date | undefined;
  try {
    checkAccountName(values.account);
    scopes = parseScopeList(values.scopes);
    if (values.expires !== undefined) expiresAt = parseExpiry(values.expires);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const store = await storeFor(target);
  let minted;
  try {
    minted = await ensureToken({ account: values.account, scopes, ...(expiresAt ? { expiresAt } : {}) }, store);
  } finally {
    await store.close();
  }
  const { token, accountId } = minted;
  const expiry = expiresAt ? `, expires ${expiresAt.toISOString()}` : '';
  console.error(`Token for account "${values.account}" (${accountId}) in ${store.description}, scopes: ${scopes.join(' ')}${expiry}.`);
  console.error('It is shown once and stored only as a hash:');
  console.log(token);
});
