// Part of npm run bench: does one tenant's heaviest accepted request slow
// another's on the Node server? On a libSQL file every query runs on the
// server's event loop, so a costly statement delays every request behind
// it. Tenant A holds 10,000 apps with 50-key metadata; tenant B one app. B's
// GET latency is measured alone, then while A sends the heaviest list the API
// accepts (filterOf('none'): every one of A's apps is a candidate, each
// probed for nine entries) without pause.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiToken } from '../../src/auth/api-token';
import { newKeyringSecret } from '../../src/crypto/keyring';
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { libsqlNodeDatabase, openLibsqlClient } from '../../src/db/libsql-node';
import { importOAuthApps } from '../../src/oauth-apps/oauth-apps.repository';
import { benchAppRow, filterOf, waitFor } from '../lib/bench-support';
import { libsqlStore } from '../lib/store';
import { ensureTokens } from '../lib/tokens';

const PORT = 8797;
const BASE = `http://127.0.0.1:${PORT}`;
const SECONDS = 6;

export interface IsolationRow {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  failures: number;
}

const rows = (accountId: string, n: number, metadataBytes: number) =>
  Array.from({ length: n }, (_, i) => benchAppRow(accountId, metadataBytes, 'AAAA', i));

const load = (path: string, token: string, connections: number) =>
  autocannon({ url: `${BASE}${path}`, connections, duration: SECONDS, headers: { authorization: `Bearer ${token}` } });

const row = (label: string, r: autocannon.Result): IsolationRow => ({
  label,
  rps: r.requests.total / r.duration,
  p50: r.latency.p50,
  p99: r.latency.p99,
  max: r.latency.max,
  failures: r.non2xx + r.errors + r.timeouts,
});

export async function measureNodeIsolation(
  dir: string,
  options: { apps: number; metadataBytes: number },
): Promise<{ seconds: number; rows: IsolationRow[] }> {
  mkdirSync(dir, { recursive: true });
  const url = `file:${join(dir, 'oauth-apps.db')}`;
  const store = await libsqlStore({ LIBSQL_URL: url });
  const [a] = await ensureTokens({ account: 'tenant-a', scopes: ['oauth_apps:read'], tokens: [generateApiToken()] }, store);
  const [b] = await ensureTokens({ account: 'tenant-b', scopes: ['oauth_apps:read'], tokens: [generateApiToken()] }, store);
  await store.close();
  const client = await openLibsqlClient({ url });
  await applyLibsqlMigrations(client);
  const db = libsqlNodeDatabase(client);
  await importOAuthApps(db, rows(a!.accountId, options.apps, options.metadataBytes));
  const [bApp] = rows(b!.accountId, 1, 200);
  await importOAuthApps(db, [bApp!]);
  client.close();

  const server = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
    env: { ...process.env, LIBSQL_URL: url, PORT: String(PORT), ENCRYPTION_KEYRING: newKeyringSecret('bench'), RATE_LIMIT_PER_MINUTE: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitFor(`${BASE}/v1/oauth-apps/${bApp!.id}`, { authorization: `Bearer ${b!.token}` }, server);
    const get = `/v1/oauth-apps/${bApp!.id}`;
    const heaviest = `/v1/oauth-apps?limit=100&metadata=${encodeURIComponent(filterOf('none'))}`;
    const maxFilter = `/v1/oauth-apps?limit=100&metadata=${encodeURIComponent(filterOf('every'))}`;
    await load(get, b!.token, 2); // warm-up
    const alone = await load(get, b!.token, 2);
    const [underFilter, aFilter] = await Promise.all([load(get, b!.token, 2), load(maxFilter, a!.token, 2)]);
    const [underHeaviest, aHeaviest] = await Promise.all([load(get, b!.token, 2), load(heaviest, a!.token, 2)]);
    return {
      seconds: SECONDS,
      rows: [
        row('B alone', alone),
        row(`B, while A lists with the 10-key filter (A: ${aFilter.latency.p50} ms p50, ${aFilter.non2xx} non-2xx)`, underFilter),
        row(`B, while A sends the heaviest filter (A: ${aHeaviest.latency.p50} ms p50, ${aHeaviest.non2xx} non-2xx)`, underHeaviest),
      ],
    };
  } finally {
    server.kill('SIGTERM');
  }
}
