// npm run bench:cpu — CPU per request of create, get and list, in one Node
// process, beside the same storage work done bare.
//
// The app is the Node server's (src/app.ts on a libSQL file, the settings
// parsed as `npm start` parses them, the rate limit raised so it never refuses),
// driven through app.request: no sockets, no load tool, so process.cpuUsage
// over N requests is the app's CPU alone. Each route's storage calls are
// recorded once (one libSQL call per route today) and replayed N times
// straight on the libSQL client: the same statements, batch and indexes, with
// fresh ids for a create. The difference is what the API adds above storage,
// which on Workers is what the isolate pays (D1 runs the statements outside
// it). A CPU profile of the measured requests splits the time by package.
// The request log lines are written, as on Node, to a sink (/dev/null).
import type { Client, InStatement } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql/node';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { generateApiToken } from '../src/auth/api-token';
import { newKeyringSecret } from '../src/crypto/keyring';
import { createApp } from '../src/app';
import type { Database } from '../src/db/client';
import { applyLibsqlMigrations } from '../src/db/ledger';
import { singlePrimaryEngine } from '../src/db/libsql';
import { openLibsqlClient } from '../src/db/libsql-node';
import { readNodeConfig } from '../src/node/config';
import { appBody, hexRenewer } from './lib/bench-support';
import { commandLine, runScript } from './lib/cli';
import { libsqlStore } from './lib/store';
import { ensureTokens } from './lib/tokens';

const USAGE = 'Usage: npm run bench:cpu\nCPU per request of create, get and list in one Node process (libSQL file), beside the same storage\nwork done bare, with a profile split by package (timing; not in CI). BENCH_REQUESTS sets N (default 3000);\nBENCH_CPU_DETAIL=1 also lists each route\'s 25 functions with the most self time, on stderr.';
commandLine({ usage: USAGE });

const N = Number(process.env.BENCH_REQUESTS ?? 3000);

type Call = { method: 'execute' | 'batch'; args: unknown[] };

const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU µs (user + system) per call of fn over n calls. */
async function cpuPer(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

/** The app's and the bare work's µs per call: medians of interleaved rounds (drift hits both alike), after a warm-up. */
async function interleaved(n: number, app: () => Promise<unknown>, bare: () => Promise<unknown>): Promise<[number, number]> {
  await cpuPer(200, app);
  await cpuPer(200, bare);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(await cpuPer(Math.ceil(n / ROUNDS), app));
    b.push(await cpuPer(Math.ceil(n / ROUNDS), bare));
  }
  return [median(a), median(b)];
}

/** Self time of a CPU profile, by where the code comes from. */
function split(profile: { nodes: { id: number; callFrame: { url: string; functionName: string } }[]; samples: number[]; timeDeltas: number[] }) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)!;
    const bucket = bucketOf(frame.url, frame.functionName);
    if (bucket === 'idle') return;
    totals.set(bucket, (totals.get(bucket) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  if (process.env.BENCH_CPU_DETAIL) {
    const fns = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const f = byNode.get(id)!;
      const k = `${bucketOf(f.url, f.functionName)} | ${f.functionName} ${f.url.replace(/.*node_modules\//, '')}`;
      fns.set(k, (fns.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    console.error([...fns.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(6)} ms ${k}`).join('\n'));
  }
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((v / all) * 100).toFixed(1)}%`).join(', ');
}

function bucketOf(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'GC';
  // The engine's native frames have no URL, only a Rust path.
  if (/node_modules[\\/](libsql|@libsql)[\\/]/.test(url) || fn.startsWith('libsql')) return 'libSQL engine + client';
  if (/node_modules[\\/]drizzle-orm/.test(url)) return 'drizzle';
  if (/node_modules[\\/](hono|@hono)/.test(url)) return 'hono';
  if (/node_modules[\\/]zod/.test(url)) return 'zod';
  if (url.includes(`${sep}src${sep}`) || url.includes('/src/')) return 'our code';
  if (url.startsWith('node:') || url === '') return fn === '(program)' ? 'V8/Node runtime' : 'Node built-ins (crypto, URL, streams…)';
  return 'other';
}

async function profiled<T>(session: Session, work: () => Promise<T>): Promise<{ result: T; split: string }> {
  await session.post('Profiler.start');
  const result = await work();
  const { profile } = await session.post('Profiler.stop');
  return { result, split: split(profile as Parameters<typeof split>[0]) };
}

/** The recorded storage call of a create, with its per-request values (hex runs of ≥ 8, but the account's) made fresh. */
function freshCall(call: Call, account: string): Call {
  const renew = hexRenewer([account]);
  const statements = (call.args[0] as { sql: string; args: unknown[] }[]).map((s) => ({ sql: s.sql, args: s.args.map(renew) }));
  return { method: 'batch', args: [statements, ...call.args.slice(1)] };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-bench-cpu-'));
  const sink = openSync('/dev/null', 'w');
  const write = process.stdout.write.bind(process.stdout);
  // The request log lines (one per request on Node) are written, as to a file: to /dev/null.
  process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' ? writeSync(sink, chunk) : writeSync(sink, chunk), true)) as typeof process.stdout.write;
  try {
    const url = `file:${join(dir, 'bench.db')}`;
    const config = readNodeConfig({ LIBSQL_URL: url, ENCRYPTION_KEYRING: newKeyringSecret('bench'), NODE_ENV: 'production', RATE_LIMIT_PER_MINUTE: '1000000000' });
    const client = await openLibsqlClient(config.libsql);
    await applyLibsqlMigrations(client);
    const token = generateApiToken();
    const store = await libsqlStore({ LIBSQL_URL: url });
    const [minted] = await ensureTokens({ account: 'bench', scopes: ['oauth_apps:read', 'oauth_apps:write'], tokens: [token] }, store);
    await store.close();

    let recording: Call[] | undefined;
    const recorder = new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if ((prop !== 'execute' && prop !== 'batch') || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          recording?.push({ method: prop, args: structuredClone(args) });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Client;
    const app = createApp(singlePrimaryEngine(drizzle(recorder) as unknown as Database), { config: config.app });
    const env = { ...config.env, CLIENT_ADDRESS: () => '127.0.0.1' };
    const auth = { authorization: `Bearer ${token}` };
    const send = async (path: string, init: RequestInit = {}) => {
      const res = await app.request(path, { ...init, headers: { ...auth, ...init.headers } }, env);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status}`);
      return res;
    };
    const create = () => send('/v1/oauth-apps', { method: 'POST', headers: { 'content-type': 'application/json' }, body: appBody() });
    let appId = '';
    for (let i = 0; i < 100; i++) appId = ((await (await app.request('/v1/oauth-apps', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: appBody() }, env)).json()) as { id: string }).id;

    const routes = [
      { name: 'create', run: create },
      { name: 'get', run: () => send(`/v1/oauth-apps/${appId}`) },
      { name: 'list (100)', run: () => send('/v1/oauth-apps?limit=100') },
    ];
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    const rows: string[] = [];
    for (const route of routes) {
      recording = [];
      await route.run();
      const calls = recording;
      recording = undefined;
      if (calls.length !== 1) throw new Error(`${route.name} made ${calls.length} storage calls; the bare replay expects 1`);
      const [call] = calls as [Call];
      const bare = async () => {
        if (route.name !== 'create') return call.method === 'batch' ? client.batch(...(call.args as [InStatement[], 'write'])) : client.execute(...(call.args as [InStatement]));
        const results = await client.batch(...(freshCall(call, minted!.accountId).args as [InStatement[], 'write']));
        // Every statement of a create writes a row: if one did not, its guard failed and the replay is not the create's work.
        // (libSQL reports no rowsAffected for the insert's RETURNING form; its returned row says it.)
        const idle = results.findIndex((r) => r.rowsAffected < 1 && r.rows.length < 1);
        if (idle >= 0) throw new Error(`the replayed create's statement ${idle} wrote nothing`);
        return results;
      };
      const [appUs, bareUs] = await interleaved(N, route.run, bare);
      const prof = await profiled(session, async () => {
        for (let i = 0; i < N; i++) await route.run();
      });
      rows.push(`| ${route.name} | ${appUs.toFixed(0)} | ${bareUs.toFixed(0)} | ${(appUs - bareUs).toFixed(0)} | ${(bareUs / appUs).toFixed(2)} | ${prof.split} |`);
    }
    session.disconnect();
    client.close();
    process.stdout.write = write;

    console.log(`npm run bench:cpu — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}, libSQL file, ${N} requests a route, one at a time, medians of ${ROUNDS} interleaved rounds`);
    console.log('');
    console.log('| route | app µs CPU / request | bare storage µs | above storage µs | bare ÷ app | the app\'s requests, profiled: share of self time |');
    console.log('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const row of rows) console.log(row);
  } finally {
    process.stdout.write = write;
    closeSync(sink);
    rmSync(dir, { recursive: true, force: true });
  }
}

await runScript(USAGE, main);
