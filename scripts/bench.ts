// npm run bench — what the API costs above its storage, measured.
// Builds the bench Worker (scripts/bench/: the real Worker plus a storage
// floor per route) and runs it in one local workerd (`wrangler dev`) on a
// scratch D1; autocannon, in this second process, loads each scenario in
// turn, interleaved over several rounds so drift hits all alike. Prints one
// table — req/s, p50, p99, non-2xx — the ratio of each real route to its
// floor (target ≥ 0.85; no ratio for a scenario that had a non-2xx answer),
// a filtered page at 10,000 apps against the unfiltered one (target ≤ 2× its
// p50), the bundle size and the start-up CPU; then, on the Node server,
// another tenant's latency while the heaviest accepted request runs
// (scripts/bench/node-isolation.ts).
import autocannon from 'autocannon';
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiToken } from '../src/auth/api-token';
import { newKeyringSecret } from '../src/crypto/keyring';
import { measureBuild } from './lib/build-figures';
import { d1Store } from './lib/store';
import { ensureTokens } from './lib/tokens';
import { appBody, filterOf, waitFor } from './lib/bench-support';
import { measureNodeIsolation } from './bench/node-isolation';
import { spawnWrangler } from './lib/wrangler';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run bench\nEvery route against its storage floor on one local workerd (timing; not in CI). Settings from the environment:\nBENCH_ROUNDS, BENCH_SECONDS, BENCH_ONLY, BENCH_REQUEST_LOG, BENCH_BIG_APPS.";
commandLine({ usage: USAGE });

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 8;
const PORT = 8796;
const BASE = `http://127.0.0.1:${PORT}`;
const TOKENS = 8;
const TARGET_RATIO = 0.85;
/** The filtered page at 10,000 apps: at most this many times the unfiltered page's p50. */
const FILTERED_TARGET = 2;
export const BIG_ACCOUNT_APPS = Number(process.env.BENCH_BIG_APPS ?? 10_000);
export const BIG_METADATA_BYTES = 12_000;

interface Scenario {
  name: string;
  request: () => { method: 'GET' | 'POST'; path: string; body?: string };
  auth: boolean;
  /** The tokens it sends (default: the bench account's). */
  tokens?: string[];
}

interface Figures {
  requests: number;
  seconds: number;
  p50s: number[];
  p99s: number[];
  failures: number;
}

async function load(scenario: Scenario, tokens: string[], seconds: number): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: BASE,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const { method, path, body } = scenario.request();
          const headers: Record<string, string> = { ...(req.headers as Record<string, string>) };
          const own = scenario.tokens ?? tokens;
          if (scenario.auth) headers.authorization = `Bearer ${own[n++ % own.length]!}`;
          if (body !== undefined) headers['content-type'] = 'application/json';
          return { ...req, method, path, headers, ...(body !== undefined ? { body } : {}) };
        },
      },
    ],
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-bench-'));
  let worker: ChildProcess | undefined;
  try {
    const only = process.env.BENCH_ONLY;
    console.error('Measuring the deployed build (size, start-up CPU)…');
    const build = only ? undefined : await measureBuild('wrangler.toml', join(dir, 'build'), 21);

    console.error('Starting the bench Worker on a scratch local D1…');
    const d1 = { remote: false, persistTo: join(dir, 'state') };
    const tokens = Array.from({ length: TOKENS }, () => generateApiToken());
    const store = await d1Store(d1);
    const [minted] = await ensureTokens({ account: 'bench', scopes: ['oauth_apps:read', 'oauth_apps:write'], tokens }, store);
    const accountId = minted!.accountId;
    const bigTokens = Array.from({ length: TOKENS }, () => generateApiToken());
    const [bigMinted] = await ensureTokens({ account: 'bench-big', scopes: ['oauth_apps:read'], tokens: bigTokens }, store);
    await store.close();
    worker = spawnWrangler(
      [
        'dev', '-c', 'scripts/bench/wrangler.toml', '--port', String(PORT), '--ip', '127.0.0.1', '--persist-to', d1.persistTo,
        '--var', `ENCRYPTION_KEYRING:${newKeyringSecret('bench')}`,
        // BENCH_REQUEST_LOG=errors measures the Worker with REQUEST_LOG=errors (default: as deployed, a line per request).
        '--var', `REQUEST_LOG:${process.env.BENCH_REQUEST_LOG ?? 'all'}`,
        // wrangler's own line per request costs every scenario alike; the Worker's log lines still flow.
        '--log-level', 'error',
      ],
      ['ignore', 'ignore', 'inherit'],
    );
    const auth = { Authorization: `Bearer ${tokens[0]!}` };
    await waitFor(`${BASE}/v1/providers`, auth, worker);

    // 100 apps for the list page (and one to get).
    let appId = '';
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${BASE}/v1/oauth-apps`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: appBody() });
      const body = (await res.json()) as { id: string };
      if (res.status !== 200) throw new Error(`seeding answered ${res.status}`);
      appId = body.id;
    }

    if (!only || only.startsWith('list')) {
      console.error(`Seeding ${BIG_ACCOUNT_APPS} apps with 50-key metadata of ~${BIG_METADATA_BYTES / 1000} KB into another account…`);
      for (let done = 0; done < BIG_ACCOUNT_APPS; done += 500) {
        const n = Math.min(500, BIG_ACCOUNT_APPS - done);
        const res = await fetch(`${BASE}/bench/seed?account=${bigMinted!.accountId}&n=${n}&metadata_bytes=${BIG_METADATA_BYTES}`, { method: 'POST' });
        if (res.status !== 200) throw new Error(`seeding answered ${res.status}`);
        await res.arrayBuffer();
      }
    }
    const maxFilter = encodeURIComponent(filterOf('every'));
    const heaviest = encodeURIComponent(filterOf('none'));

    const scenarios: Scenario[] = [
      { name: 'create (POST /v1/oauth-apps)', auth: true, request: () => ({ method: 'POST', path: '/v1/oauth-apps', body: appBody() }) },
      { name: '  floor: bare D1 insert', auth: false, request: () => ({ method: 'POST', path: `/bench/floor/insert?account=${accountId}` }) },
      { name: '  floor: bare D1 batch, the row + its audit event', auth: false, request: () => ({ method: 'POST', path: `/bench/floor/insert-audited?account=${accountId}` }) },
      { name: 'get (GET /v1/oauth-apps/{id})', auth: true, request: () => ({ method: 'GET', path: `/v1/oauth-apps/${appId}` }) },
      { name: '  floor: bare select by id', auth: false, request: () => ({ method: 'GET', path: `/bench/floor/get?id=${appId}` }) },
      { name: 'list (GET /v1/oauth-apps, 100)', auth: true, request: () => ({ method: 'GET', path: '/v1/oauth-apps?limit=100' }) },
      { name: '  floor: bare select of 100', auth: false, request: () => ({ method: 'GET', path: `/bench/floor/list?account=${accountId}` }) },
      { name: `list at ${BIG_ACCOUNT_APPS} apps, unfiltered`, auth: true, tokens: bigTokens, request: () => ({ method: 'GET', path: '/v1/oauth-apps?limit=100' }) },
      { name: `list at ${BIG_ACCOUNT_APPS} apps, metadata filter of 10 keys`, auth: true, tokens: bigTokens, request: () => ({ method: 'GET', path: `/v1/oauth-apps?limit=100&metadata=${maxFilter}` }) },
      { name: `list at ${BIG_ACCOUNT_APPS} apps, heaviest filter (10 common keys, no app has both of the last two)`, auth: true, tokens: bigTokens, request: () => ({ method: 'GET', path: `/v1/oauth-apps?limit=100&metadata=${heaviest}` }) },
      { name: 'nothing (GET /bench/noop)', auth: false, request: () => ({ method: 'GET', path: '/bench/noop' }) },
    ];
    // The filtered page against the unfiltered one, by p50 latency.
    const filteredPair = [scenarios[8]!, scenarios[7]!] as const;
    // Each real route and its floor (create: the bare insert, and the insert with its audit event).
    const pairs = [[0, 1], [0, 2], [3, 4], [5, 6]].map(([r, f]) => [scenarios[r!]!, scenarios[f!]!] as const);
    // BENCH_ONLY=get runs only the pairs whose route name starts so (quick A/B checks; no build figures).
    if (only) {
      const chosen = new Set(pairs.filter(([real]) => real.name.startsWith(only)).flat());
      if (only.startsWith('list')) for (const s of scenarios.slice(7, 10)) chosen.add(s);
      scenarios.splice(0, scenarios.length, ...chosen);
    }
    const figures = new Map<string, Figures>(scenarios.map((s) => [s.name, { requests: 0, seconds: 0, p50s: [], p99s: [], failures: 0 }]));

    console.error(`Warming up, then ${ROUNDS} interleaved rounds of ${SECONDS} s per scenario…`);
    for (const s of scenarios) await load(s, tokens, 1);
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios) {
        const r = await load(s, tokens, SECONDS);
        const f = figures.get(s.name)!;
        f.requests += r.requests.total;
        f.seconds += r.duration;
        f.p50s.push(r.latency.p50);
        f.p99s.push(r.latency.p99);
        f.failures += r.non2xx + r.errors + r.timeouts;
      }
    }

    const rps = (name: string) => figures.get(name)!.requests / figures.get(name)!.seconds;
    const date = new Date().toISOString().slice(0, 10);
    console.log(`npm run bench — ${date}, ${cpus().length} cores, Node ${process.version}, one local workerd (wrangler dev) + local D1,`);
    console.log(`autocannon ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds × ${SECONDS} s per scenario, REQUEST_LOG=${process.env.BENCH_REQUEST_LOG ?? 'all'}`);
    console.log('');
    console.log(`| scenario | req/s | p50 ms | p99 ms | non-2xx |`);
    console.log(`| --- | ---: | ---: | ---: | ---: |`);
    for (const s of scenarios) {
      const f = figures.get(s.name)!;
      console.log(`| ${s.name.trim()} | ${rps(s.name).toFixed(0)} | ${median(f.p50s)} | ${median(f.p99s)} | ${f.failures} |`);
    }
    console.log('');
    let met = true;
    // A ratio of a scenario that had refusals or errors would compare different work: none is printed.
    const unclean = (...names: string[]) => names.map((name) => figures.get(name)!.failures).reduce((a, b) => a + b, 0);
    for (const [real, floorName] of pairs) {
      if (!figures.has(real.name)) continue;
      const label = `${real.name.split(' (')[0]} / ${floorName.name.trim().replace('floor: ', '')}`;
      const failures = unclean(real.name, floorName.name);
      if (failures > 0) {
        met = false;
        console.log(`${label}: no ratio (${failures} non-2xx answers or errors)`);
        continue;
      }
      const ratio = rps(real.name) / rps(floorName.name);
      met &&= ratio >= TARGET_RATIO;
      console.log(`${label}: ${ratio.toFixed(2)} ${ratio >= TARGET_RATIO ? 'ok' : `BELOW ${TARGET_RATIO}`}`);
    }
    const [filtered, unfiltered] = filteredPair;
    if (figures.has(filtered.name)) {
      const failures = unclean(filtered.name, unfiltered.name);
      if (failures > 0) {
        met = false;
        console.log(`filtered / unfiltered page at ${BIG_ACCOUNT_APPS} apps: no ratio (${failures} non-2xx answers or errors)`);
      } else {
        const ratio = median(figures.get(filtered.name)!.p50s) / median(figures.get(unfiltered.name)!.p50s);
        met &&= ratio <= FILTERED_TARGET;
        console.log(`filtered / unfiltered page at ${BIG_ACCOUNT_APPS} apps, p50: ${ratio.toFixed(2)}× ${ratio <= FILTERED_TARGET ? 'ok' : `ABOVE ${FILTERED_TARGET}×`}`);
      }
    }
    console.log('');
    if (build) {
      console.log(`bundle (wrangler deploy --dry-run --minify): ${build.minifiedKiB} KiB minified, ${build.gzipKiB} KiB gzip`);
      console.log(`start-up CPU (wrangler check startup): ${build.startupMedianMs.toFixed(2)} ms median of ${build.startupRuns.length}, mean ${build.startupMeanMs.toFixed(2)}`);
    }
    if ([...figures.values()].some((f) => f.failures > 0)) {
      console.error('Some requests did not answer 2xx: the figures are not clean.');
      process.exitCode = 1;
    }
    if (!met) console.log(`Not every ratio is within its target: see README, Performance.`);

    if (!only || only === 'node') {
      worker?.kill('SIGTERM');
      worker = undefined;
      console.error('Node server: another tenant while the heaviest accepted request runs…');
      const isolation = await measureNodeIsolation(join(dir, 'node'), { apps: BIG_ACCOUNT_APPS, metadataBytes: BIG_METADATA_BYTES });
      console.log('');
      console.log(`Node server (libSQL file), another tenant's GET /v1/oauth-apps/{id}, 2 connections, ${isolation.seconds} s each:`);
      console.log('');
      console.log('| while | req/s | p50 ms | p99 ms | max ms | non-2xx |');
      console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
      for (const row of isolation.rows) {
        console.log(`| ${row.label} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.max} | ${row.failures} |`);
      }
      if (isolation.rows.some((r) => r.failures > 0)) process.exitCode = 1;
    }
  } finally {
    worker?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await runScript(USAGE, main);
