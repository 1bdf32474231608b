// npm run token:create -- --account <name> [--scopes a,b,c] [--remote]
// Mints an API token for an account (created if needed) in the local D1
// (default; migrations applied first) or the deployed one (--remote).
// The token is printed once, as the last line; only its hash is stored.
import { parseArgs } from 'node:util';
import { SCOPES } from '../src/auth/scopes';
import { applyMigrations } from './lib/d1';
import { checkAccountName, ensureToken, parseScopeList } from './lib/tokens';

const DEFAULT_SCOPES = 'oauth_apps:read,oauth_apps:write';
const usage = `usage: npm run token:create -- --account <name> [--scopes ${SCOPES.join(',')}] [--remote]
  default scopes: ${DEFAULT_SCOPES} (add oauth_apps:secrets to read secrets back)`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        account: { type: 'string' },
        scopes: { type: 'string', default: DEFAULT_SCOPES },
        remote: { type: 'boolean', default: false },
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
  const target = { remote: values.remote };
  let scopes;
  try {
    checkAccountName(values.account);
    scopes = parseScopeList(values.scopes);
  } catch (err) {
    fail((err as Error).message);
  }
  if (!target.remote) await applyMigrations(target);
  const { token, accountId } = await ensureToken({ account: values.account, scopes }, target);
  console.error(
    `Token for account "${values.account}" (${accountId}) on the ${target.remote ? 'deployed' : 'local'} database, scopes: ${scopes.join(' ')}.`,
  );
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
