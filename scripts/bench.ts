// npm run bench — what the API costs above its storage, measured as deployed.
// Builds the bench Worker (scripts/bench/: the real Worker plus a storage
// floor per route; its configuration is wrangler.toml's with only the rate
// limits raised, scripts/bench/config.ts) and runs it in one local workerd
// (`wrangler dev`) on a scratch D1; autocannon, in this second process, loads
// each scenario in turn, interleaved over several rounds so drift hits all
// alike. Prints one table — req/s, p50, p99, non-2xx — the ratio of each real
// route to its floor (target ≥ 0.85; no ratio for a pair that had a non-2xx
// answer, and the run fails), the page after 10,000 apps (by cursor) against
// the first page (target ≤ 1.5× its p50), a filtered page at 10,000 apps
// against the unfiltered one (target ≤ 2×), the bundle size, the start-up CPU
// and a cold isolate's first request (scripts/bench/cold-start.ts); then, on
// the Node server, another tenant's latency while the heaviest accepted
// request runs (scripts/bench/node-isolation.ts).
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
import { benchWranglerConfig } from './bench/config';
import { measureColdStart } from './bench/cold-start';
import { spawnWrangler } from './lib/wrangler';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run bench\nEvery route against its storage floor on one local workerd, as deployed (timing; not in CI). Settings from the environment:\nBENCH_ROUNDS, BENCH_SECONDS, BENCH_ONLY (create, get, list, node, or cold: the build and cold starts alone), BENCH_BIG_APPS, BENCH_COLD_RUNS; BENCH_REQUEST_LOG=all|errors (or\nBENCH_REQUEST_LOG_SAMPLE_RATE) measures another logging setting, and its figures are then not as deployed.";
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
/** The page after the 10,000th app: at most this many times the first page's p50. */
const DEEP_TARGET = 1.5;
export const BIG_ACCOUNT_APPS = Number(process.env.BENCH_BIG_APPS ?? 10_000);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
/** A logging setting other than the deployed one, if asked for (the figures are then labelled so). */
const LOG_OVERRIDE = process.env.BENCH_REQUEST_LOG_SAMPLE_RATE !== undefined
  ? `REQUEST_LOG_SAMPLE_RATE:${process.env.BENCH_REQUEST_LOG_SAMPLE_RATE}`
  : process.env.BENCH_REQUEST_LOG !== undefined ? `REQUEST_LOG:${process.env.BENCH_REQUEST_LOG}` : undefined;
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

/** One scenario's load; then a pause, so requests still running when it stops (the heaviest filter takes seconds) do not slow the next. */
async function load(scenario: Scenario, tokens: string[], seconds: number): Promise<autocannon.Result> {
  const result = await loadOnly(scenario, tokens, seconds);
  await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, Math.max(500, result.latency.p99 * 1.5))));
  return result;
}

async function loadOnly(scenario: Scenario, tokens: string[], seconds: number): Promise<autocannon.Result> {
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
    // BENCH_ONLY=cold: the build's figures and the cold starts, no load.
    const cold = !only || only === 'cold';
    const build = cold ? await measureBuild('wrangler.toml', join(dir, 'build'), 21) : undefined;

    console.error('Starting the bench Worker on a scratch local D1…');
    const d1 = { remote: false, persistTo: join(dir, 'state') };
    const tokens = Array.from({ length: TOKENS }, () => generateApiToken());
    const store = await d1Store(d1);
    const [minted] = await ensureTokens({ account: 'bench', scopes: ['oauth_apps:read', 'oauth_apps:write'], tokens }, store);
    const accountId = minted!.accountId;
    const bigTokens = Array.from({ length: TOKENS }, () => generateApiToken());
    const [bigMinted] = await ensureTokens({ account: 'bench-big', scopes: ['oauth_apps:read'], tokens: bigTokens }, store);
    await store.close();
    const config = await benchWranglerConfig(dir);
    const devArgs = [
      'dev', '-c', config.path, '--port', String(PORT), '--ip', '127.0.0.1', '--persist-to', d1.persistTo,
      '--var', `ENCRYPTION_KEYRING:${newKeyringSecret('bench')}`,
      ...(LOG_OVERRIDE ? ['--var', LOG_OVERRIDE] : []),
      // wrangler's own line per request is not in a deployment; the Worker's own lines still flow.
      '--log-level', 'error',
    ];
    worker = spawnWrangler(devArgs, ['ignore', 'ignore', 'inherit']);
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
      // 100 more than the count, so the page after the 10,000th app is a full one.
      const seeded = BIG_ACCOUNT_APPS + 100;
      console.error(`Seeding ${seeded} apps with 50-key metadata of ~${BIG_METADATA_BYTES / 1000} KB into another account…`);
      for (let done = 0; done < seeded; done += 500) {
        const n = Math.min(500, seeded - done);
        const res = await fetch(`${BASE}/bench/seed?account=${bigMinted!.accountId}&n=${n}&metadata_bytes=${BIG_METADATA_BYTES}`, { method: 'POST' });
        if (res.status !== 200) throw new Error(`seeding answered ${res.status}`);
        await res.arrayBuffer();
      }
    }
    // The create's own batch, recorded once from a real create, for its bare floor.
    const recorded = await fetch(`${BASE}/bench/record/create`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: appBody() });
    if (recorded.status !== 200) throw new Error(`recording a create answered ${recorded.status}: ${await recorded.text()}`);
    const { statements: createStatements } = (await recorded.json()) as { statements: number };
    const deepCursor = !only || only.startsWith('list')
      ? ((await (await fetch(`${BASE}/bench/nth?account=${bigMinted!.accountId}&n=${BIG_ACCOUNT_APPS}`)).json()) as { id: string }).id
      : '';
    const maxFilter = encodeURIComponent(filterOf('every'));
    const heaviest = encodeURIComponent(filterOf('none'));

    const scenarios: Scenario[] = [
      { name: 'create (POST /v1/oauth-apps)', auth: true, request: () => ({ method: 'POST', path: '/v1/oauth-apps', body: appBody() }) },
      { name: '  floor: bare D1 insert', auth: false, request: () => ({ method: 'POST', path: `/bench/floor/insert?account=${accountId}` }) },
      { name: '  floor: bare D1 insert into oauth_apps, its triggers writing what is derived', auth: false, request: () => ({ method: 'POST', path: `/bench/floor/insert-derived?account=${accountId}` }) },
      { name: '  floor: bare D1 batch, the row + its audit event', auth: false, request: () => ({ method: 'POST', path: `/bench/floor/insert-audited?account=${accountId}` }) },
      { name: `  floor: the create's own D1 batch (${createStatements} statements), bare`, auth: false, request: () => ({ method: 'POST', path: `/bench/floor/create-batch?account=${accountId}` }) },
      { name: 'get (GET /v1/oauth-apps/{id})', auth: true, request: () => ({ method: 'GET', path: `/v1/oauth-apps/${appId}` }) },
      { name: '  floor: bare select by id', auth: false, request: () => ({ method: 'GET', path: `/bench/floor/get?id=${appId}` }) },
      { name: 'list (GET /v1/oauth-apps, 100)', auth: true, request: () => ({ method: 'GET', path: '/v1/oauth-apps?limit=100' }) },
      { name: '  floor: bare select of 100', auth: false, request: () => ({ method: 'GET', path: `/bench/floor/list?account=${accountId}` }) },
      { name: `list at ${BIG_ACCOUNT_APPS} apps, unfiltered`, auth: true, tokens: bigTokens, request: () => ({ method: 'GET', path: '/v1/oauth-apps?limit=100' }) },
      { name: `list at ${BIG_ACCOUNT_APPS} apps, the page after the ${BIG_ACCOUNT_APPS}th (cursor)`, auth: true, tokens: bigTokens, request: () => ({ method: 'GET', path: `/v1/oauth-apps?limit=100&starting_after=${deepCursor}` }) },
      { name: `list at ${BIG_ACCOUNT_APPS} apps, metadata filter of 10 keys`, auth: true, tokens: bigTokens, request: () => ({ method: 'GET', path: `/v1/oauth-apps?limit=100&metadata=${maxFilter}` }) },
      { name: `list at ${BIG_ACCOUNT_APPS} apps, heaviest filter (10 common keys, no app has both of the last two)`, auth: true, tokens: bigTokens, request: () => ({ method: 'GET', path: `/v1/oauth-apps?limit=100&metadata=${heaviest}` }) },
      { name: 'nothing (GET /bench/noop)', auth: false, request: () => ({ method: 'GET', path: '/bench/noop' }) },
    ];
    // The filtered page against the unfiltered one, and the deep page against the first, by p50 latency.
    const filteredPair = [scenarios[11]!, scenarios[9]!] as const;
    const deepPair = [scenarios[10]!, scenarios[9]!] as const;
    // Each real route and its floor (create: the bare insert, with and without its triggers, the insert with its audit event, and its own batch).
    const pairs = [[0, 1], [0, 2], [0, 3], [0, 4], [5, 6], [7, 8]].map(([r, f]) => [scenarios[r!]!, scenarios[f!]!] as const);
    // BENCH_ONLY=get runs only the pairs whose route name starts so (quick A/B checks; no build figures).
    if (only) {
      const chosen = new Set(pairs.filter(([real]) => real.name.startsWith(only)).flat());
      if (only.startsWith('list')) for (const s of scenarios.slice(9, 13)) chosen.add(s);
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
    console.log(
      `autocannon ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds × ${SECONDS} s per scenario, ` +
        (LOG_OVERRIDE ? `NOT as deployed: ${LOG_OVERRIDE.replace(':', '=')}` : 'as deployed (wrangler.toml; only the rate limits raised)'),
    );
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
    for (const [[slow, fast], label, target] of [
      [deepPair, `page after the ${BIG_ACCOUNT_APPS}th app / first page, p50`, DEEP_TARGET],
      [filteredPair, `filtered / unfiltered page at ${BIG_ACCOUNT_APPS} apps, p50`, FILTERED_TARGET],
    ] as const) {
      if (!figures.has(slow.name)) continue;
      const failures = unclean(slow.name, fast.name);
      if (failures > 0) {
        met = false;
        console.log(`${label}: no ratio (${failures} non-2xx answers or errors)`);
        continue;
      }
      const ratio = median(figures.get(slow.name)!.p50s) / median(figures.get(fast.name)!.p50s);
      met &&= ratio <= target;
      console.log(`${label}: ${ratio.toFixed(2)}× ${ratio <= target ? 'ok' : `ABOVE ${target}×`}`);
    }
    console.log('');
    if (build) {
      console.log(`bundle (wrangler deploy --dry-run --minify): ${build.minifiedKiB} KiB minified, ${build.gzipKiB} KiB gzip`);
      console.log(`start-up CPU (wrangler check startup): ${build.startupMedianMs.toFixed(2)} ms median of ${build.startupRuns.length}, mean ${build.startupMeanMs.toFixed(2)}`);
    }
    if (cold && COLD_RUNS > 0) {
      worker?.kill('SIGTERM');
      worker = undefined;
      await new Promise((r) => setTimeout(r, 1000));
      console.error(`Cold starts: ${COLD_RUNS} fresh wrangler dev processes, each one's first GET /v1/oauth-apps/{id}…`);
      const starts = await measureColdStart({ args: devArgs, base: BASE, token: tokens[0]!, appId, runs: COLD_RUNS });
      const ms = (xs: number[]) => `${median(xs).toFixed(1)} ms`;
      console.log(
        `cold isolate (median of ${COLD_RUNS} fresh processes): first GET /v1/oauth-apps/{id} ${ms(starts.first)} ` +
          `(runs ${starts.first.map((x) => x.toFixed(1)).join(', ')}: modules evaluated, app built, keyring imported, token looked up in storage), ` +
          `a warm GET ${ms(starts.warm)}; the storage's own first read before it ${ms(starts.storageFirst)}, warm ${ms(starts.storageWarm)}`,
      );
      // What a cold isolate costs its first caller is both: start-up, and the first request.
      if (build) {
        const total = build.startupMeanMs + median(starts.first);
        console.log(
          `cold isolate, start-up + first request: ${build.startupMeanMs.toFixed(1)} ms start-up CPU (mean of ${build.startupRuns.length}, wrangler check startup) ` +
            `+ ${ms(starts.first)} first GET = ${total.toFixed(1)} ms`,
        );
      }
    }
    if ([...figures.values()].some((f) => f.failures > 0)) {
      console.error('Some requests did not answer 2xx: the figures are not clean.');
      process.exitCode = 1;
    }
    if (!met) {
      console.log(`Not every ratio is within its target: see docs/performance.md.`);
      process.exitCode = 1;
    }

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
