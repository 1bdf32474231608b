// npm run token:revoke -- <token id | prefix> [--local | --node | --remote | --libsql-url <url>]
// Revokes one API token. It answers 401 at once where the token cache is off,
// and within TOKEN_CACHE_TTL_SECONDS (≤ 30 s) where it is on.
import { isWellFormedApiToken } from '../src/auth/api-token';
import { commandLine, runScript, UsageError } from './lib/cli';
import { storeFor } from './lib/store';
import { STORE_TARGETS, storeTarget, storeTargetUsage } from './lib/targets';
import { revokeToken } from './lib/tokens';

const usage = `Usage: npm run token:revoke -- <token id | prefix> [where]
Revokes one API token (its id or prefix, as npm run token:list shows them).
${storeTargetUsage}`;

const { values, positionals } = commandLine({ usage, options: STORE_TARGETS, positionals: { min: 1, max: 1, name: 'the token id or prefix' } });

await runScript(usage, async () => {
  // A whole token pasted by mistake is refused rather than echoed or matched.
  const target = positionals[0]!.replace(/…$/, '');
  if (isWellFormedApiToken(target)) throw new UsageError('that is a whole token: give its id or prefix (npm run token:list)');
  const store = await storeFor(storeTarget(values));
  try {
    const token = await revokeToken(store, target);
    console.log(`Revoked token ${token.id} (${token.prefix}…, account "${token.account}") at ${token.revoked_at} in ${store.description}.`);
  } finally {
    await store.close();
  }
});
