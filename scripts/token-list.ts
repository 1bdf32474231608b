// npm run token:list [-- --account <name>] [--remote | --libsql] [--json]
// The API tokens of the local D1 (default), the deployed D1 (--remote) or the
// Node server's libSQL database (--libsql): id, prefix, account, scopes,
// created, last used, expiry, revocation. Never a token, never a hash.
import { parseArgs } from 'node:util';
import { storeFor } from './lib/store';
import { listTokens, type TokenListing } from './lib/tokens';

const usage = 'usage: npm run token:list -- [--account <name>] [--remote | --libsql] [--json]';

function state(t: TokenListing, now: number): string {
  if (t.revoked_at !== null) return 'revoked';
  if (t.expires_at !== null && Date.parse(t.expires_at) <= now) return 'expired';
  return 'active';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      account: { type: 'string' },
      remote: { type: 'boolean', default: false },
      libsql: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const store = await storeFor(values);
  let tokens;
  try {
    tokens = await listTokens(store, values.account);
  } finally {
    store.close();
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
}

await main().catch((err: unknown) => {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
  process.exit(1);
});
