// npm run token:revoke -- <token id | prefix> [--remote | --libsql]
// Revokes one API token. It answers 401 at once where the token cache is off,
// and within TOKEN_CACHE_TTL_SECONDS (≤ 30 s) where it is on.
import { parseArgs } from 'node:util';
import { isWellFormedApiToken } from '../src/auth/api-token';
import { storeFor } from './lib/store';
import { revokeToken } from './lib/tokens';

const usage = 'usage: npm run token:revoke -- <token id | prefix, as token:list shows them> [--remote | --libsql]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { remote: { type: 'boolean', default: false }, libsql: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new Error('give exactly one token id or prefix');
  // A whole token pasted by mistake is refused rather than echoed or matched.
  const target = positionals[0]!.replace(/…$/, '');
  if (isWellFormedApiToken(target)) throw new Error('that is a whole token: give its id or prefix (npm run token:list)');
  const store = await storeFor(values);
  try {
    const token = await revokeToken(store, target);
    console.log(`Revoked token ${token.id} (${token.prefix}…, account "${token.account}") at ${token.revoked_at} in ${store.description}.`);
  } finally {
    store.close();
  }
}

await main().catch((err: unknown) => {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
  process.exit(1);
});
