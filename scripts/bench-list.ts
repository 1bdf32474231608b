// npm run bench:list — does a deep page of GET /v1/oauth-apps cost what the
// first one does? Seeds 20,200 apps (half stripe, half github) into a scratch
// local D1, serves the worker with `wrangler dev`, and times, interleaved:
// the first page and the page after the 10,000th app, unfiltered and
// filtered by provider (limit 100). Prints medians and the deep/first ratios.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeSql, sqlText } from './lib/d1';
import { d1Store } from './lib/store';
import { ensureToken } from './lib/tokens';
import { spawnWrangler } from './lib/wrangler';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run bench:list\nThe first page of GET /v1/oauth-apps against the page after 10,000 apps, on local D1 (timing; not in CI).";
commandLine({ usage: USAGE });

const PORT = 8799;
const BASE = `http://127.0.0.1:${PORT}`;
const PER_PROVIDER = 10_100;
const ROUNDS = 40;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-bench-'));
  const target = { remote: false, persistTo: join(dir, 'state') };
  const persist = ['--persist-to', target.persistTo];
  let dev: ReturnType<typeof spawn> | undefined;
  try {
    const store = await d1Store(target);
    const { token, accountId } = await ensureToken({ account: 'bench', scopes: ['oauth_apps:read'] }, store);
    await store.close();
    const lines: string[] = [];
    // Rows in creation order; listing is newest first.
    const ids: { id: string; provider: string }[] = [];
    const base = Date.UTC(2026, 0, 1);
    let values: string[] = [];
    for (let i = 0; i < PER_PROVIDER * 2; i++) {
      const id = crypto.randomUUID();
      const provider = i % 2 === 0 ? 'stripe' : 'github';
      ids.push({ id, provider });
      const at = sqlText(new Date(base + i * 1000).toISOString());
      values.push(
        `(${sqlText(id)}, ${sqlText(accountId)}, '${provider}', 'app ${i}', 'client-${i}', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'k', '{"i":${i}}', 'ok', '[]', ${at}, 1, ${at}, ${at})`,
      );
      if (values.length === 200) {
        // D1 caps a statement at 100 KB.
        lines.push(
          `INSERT INTO oauth_apps (id, account_id, provider, name, client_id, client_secret_ciphertext, client_secret_key_id, metadata, health_status, health_notes, health_time, version, created_at, updated_at) VALUES ${values.join(',')};`,
        );
        values = [];
      }
    }
    await executeSql(lines.join('\n'), target);

    const newestFirst = [...ids].reverse();
    const deepAll = newestFirst[9_999]!.id;
    const deepStripe = newestFirst.filter((r) => r.provider === 'stripe')[9_999]!.id;
    const cases: [string, string][] = [
      ['first page', '?limit=100'],
      ['page after 10,000', `?limit=100&starting_after=${deepAll}`],
      ['first page, provider=stripe', '?limit=100&provider=stripe'],
      ['page after 10,000, provider=stripe', `?limit=100&provider=stripe&starting_after=${deepStripe}`],
    ];

    dev = spawnWrangler(['dev', '--port', String(PORT), '--ip', '127.0.0.1', ...persist, '--var', 'TOKEN_CACHE_TTL_SECONDS:30'], [
      'ignore',
      'ignore',
      'ignore',
    ]);
    const headers = { Authorization: `Bearer ${token}` };
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${BASE}/v1/oauth-apps?limit=1`, { headers })).ok) break;
      } catch {
        /* not up yet */
      }
      if (i > 120) throw new Error('wrangler dev did not start');
      await new Promise((r) => setTimeout(r, 500));
    }

    const times = new Map(cases.map(([label]) => [label, [] as number[]]));
    for (let round = 0; round < ROUNDS + 5; round++) {
      for (const [label, query] of cases) {
        const started = performance.now();
        const res = await fetch(`${BASE}/v1/oauth-apps${query}`, { headers });
        const body = (await res.json()) as { data: unknown[] };
        const elapsed = performance.now() - started;
        if (res.status !== 200 || body.data.length !== 100) throw new Error(`${label}: ${res.status}`);
        if (round >= 5) times.get(label)!.push(elapsed); // the first rounds warm up
      }
    }
    console.log(`GET /v1/oauth-apps on local D1 (wrangler dev), ${PER_PROVIDER * 2} apps, ${ROUNDS} interleaved rounds:`);
    for (const [label] of cases) console.log(`  ${label.padEnd(36)} median ${median(times.get(label)!).toFixed(2)} ms`);
    const ratio = (deep: string, first: string) => median(times.get(deep)!) / median(times.get(first)!);
    console.log(`  deep/first, unfiltered:        ${ratio('page after 10,000', 'first page').toFixed(2)}`);
    console.log(
      `  deep/first, provider=stripe:   ${ratio('page after 10,000, provider=stripe', 'first page, provider=stripe').toFixed(2)}`,
    );
  } finally {
    if (dev?.pid) dev.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await runScript(USAGE, main);
