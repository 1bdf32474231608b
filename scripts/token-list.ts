// npm run token:list [-- --account <name>] [--json] [--local | --node | --remote | --libsql-url <url>]
// The API tokens of a database: id, prefix, account, scopes, created, last
// used, expiry, revocation. Never a token, never a hash.
import { commandLine, runScript } from './lib/cli';
import { storeFor } from './lib/store';
import { STORE_TARGETS, storeTarget, storeTargetUsage } from './lib/targets';
import { listTokens, type TokenListing } from './lib/tokens';

const usage = `Usage: npm run token:list -- [--account <name>] [--json] [where]
Lists API tokens: id, prefix, account, scopes, times, state. Never a token or its hash.
  --account <name>    only this account's
  --json              as JSON
${storeTargetUsage}`;

function state(t: TokenListing, now: number): string {
  if (t.revoked_at !== null) return 'revoked';
  if (t.expires_at !== null && Date.parse(t.expires_at) <= now) return 'expired';
  return 'active';
}

const { values } = commandLine({
  usage,
  options: { account: { type: 'string' }, json: { type: 'boolean', default: false }, ...STORE_TARGETS },
});

await runScript(usage, async () => {
  const store = await storeFor(storeTarget(values));
  let tokens;
  try {
    tokens = await listTokens(store, values.account);
  } finally {
    await store.close();
  }
  if (values.json) {
    console.log(JSON.stringify(tokens, null, 2));
    return;
  }
  const now = Date.now();
  const minute = (t: string | null) => (t === null ? '-' : t.slice(0, 16).replace('T', ' '));
  const header = ['id', 'prefix', 'account', 'scopes', 'created', 'last used', 'expires', 'state'];
  const rows = tokens.map((t) => [t.id, `${t.prefix}…`, t.account, t.scopes, minute(t.created_at), minute(t.last_used_at), minute(t.expires_at), state(t, now)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.error(`${tokens.length} token(s) in ${store.description} (times UTC):`);
  console.log([line(header), ...rows.map(line)].join('\n'));
});
