// npm run bench:engines — throughput of create and get on the two ways to run
// the API on one machine, with one load tool (autocannon), in one run:
//   Worker: `wrangler dev` (workerd) on a scratch local D1
//   Node:   `npm run start:node`'s entry (@hono/node-server) on a scratch libSQL file
// Both run as their own processes with the same keyring, token cache (30 s) and
// rate limiter (per token, 1,000/min: the load rotates over 64 tokens so it
// never binds). Each scenario: 2 s warm-up, then DURATION s at 8 connections.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiToken } from '../src/auth/api-token';
import { ensureLocalKeyring } from '../src/node/local-keyring';
import { d1Store, libsqlStore } from './lib/store';
import { ensureTokens } from './lib/tokens';
import { appBody, waitFor } from './lib/bench-support';
import { spawnWrangler } from './lib/wrangler';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run bench:engines\nThe Worker on local D1 against the Node server on a libSQL file (timing; not in CI). BENCH_SECONDS sets each run's length.";
commandLine({ usage: USAGE });

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 8;
const TOKENS = 64;
const WORKER_PORT = 8797;
const NODE_PORT = 8798;

interface Target {
  name: string;
  base: string;
  tokens: string[];
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
}

async function load(target: Target, kind: 'create' | 'get', appId: string, seconds: number): Promise<Figures> {
  let n = 0;
  const nextToken = () => target.tokens[n++ % target.tokens.length]!;
  const result = await autocannon({
    url: target.base,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const headers = { ...req.headers, authorization: `Bearer ${nextToken()}` };
          return kind === 'create'
            ? { ...req, method: 'POST', path: '/v1/oauth-apps', headers: { ...headers, 'content-type': 'application/json' }, body: appBody() }
            : { ...req, method: 'GET', path: `/v1/oauth-apps/${appId}`, headers };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

async function createOne(target: Target): Promise<string> {
  const res = await fetch(`${target.base}/v1/oauth-apps`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${target.tokens[0]!}`, 'Content-Type': 'application/json' },
    body: appBody(),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 200 || !body.id) throw new Error(`${target.name}: create answered ${res.status}`);
  return body.id;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-bench-engines-'));
  const children: ChildProcess[] = [];
  try {
    const { keyring } = ensureLocalKeyring(); // wrangler dev reads it from .dev.vars; Node gets it in the environment
    const scopes = ['oauth_apps:read', 'oauth_apps:write'] as const;

    // Worker on a scratch local D1.
    const d1 = { remote: false, persistTo: join(dir, 'wrangler-state') };
    const workerTokens = Array.from({ length: TOKENS }, () => generateApiToken());
    const d1Tokens = await d1Store(d1);
    await ensureTokens({ account: 'bench', scopes: [...scopes], tokens: workerTokens }, d1Tokens);
    await d1Tokens.close();
    const worker = spawnWrangler(
      ['dev', '--port', String(WORKER_PORT), '--ip', '127.0.0.1', '--persist-to', d1.persistTo, '--var', 'TOKEN_CACHE_TTL_SECONDS:30'],
      ['ignore', 'ignore', 'ignore'],
    );
    children.push(worker);

    // Node on a scratch libSQL file.
    const libsqlUrl = `file:${join(dir, 'bench.db')}`;
    const store = await libsqlStore({ LIBSQL_URL: libsqlUrl });
    const nodeTokens = Array.from({ length: TOKENS }, () => generateApiToken());
    await ensureTokens({ account: 'bench', scopes: [...scopes], tokens: nodeTokens }, store);
    await store.close();
    const node = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
      env: { ...process.env, PORT: String(NODE_PORT), LIBSQL_URL: libsqlUrl, ENCRYPTION_KEYRING: keyring, TOKEN_CACHE_TTL_SECONDS: '30', NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(node);

    const targets: Target[] = [
      { name: 'Worker (wrangler dev) + local D1', base: `http://127.0.0.1:${WORKER_PORT}`, tokens: workerTokens },
      { name: 'Node (@hono/node-server) + libSQL file', base: `http://127.0.0.1:${NODE_PORT}`, tokens: nodeTokens },
    ];
    await waitFor(`${targets[0]!.base}/v1/providers`, { Authorization: `Bearer ${workerTokens[0]!}` }, worker);
    await waitFor(`${targets[1]!.base}/v1/providers`, { Authorization: `Bearer ${nodeTokens[0]!}` }, node);

    const appIds = new Map<string, string>();
    for (const t of targets) appIds.set(t.name, await createOne(t));

    const results = new Map<string, Figures>();
    for (const kind of ['create', 'get'] as const) {
      for (const t of targets) {
        await load(t, kind, appIds.get(t.name)!, 2); // warm-up: JIT, token cache, connections
        results.set(`${t.name}|${kind}`, await load(t, kind, appIds.get(t.name)!, DURATION));
      }
    }

    console.log(`Throughput, ${CONNECTIONS} connections, ${DURATION} s per scenario, autocannon, this machine (${(await import('node:os')).cpus().length} cores):`);
    console.log(`  ${'target'.padEnd(42)} ${'kind'.padEnd(7)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'non-2xx'.padStart(8)}`);
    for (const kind of ['create', 'get'] as const) {
      for (const t of targets) {
        const f = results.get(`${t.name}|${kind}`)!;
        console.log(
          `  ${t.name.padEnd(42)} ${kind.padEnd(7)} ${f.rps.toFixed(0).padStart(8)} ${String(f.p50).padStart(7)} ${String(f.p99).padStart(7)} ${`${f.errors}/${f.total}`.padStart(8)}`,
        );
      }
    }
    for (const kind of ['create', 'get'] as const) {
      const ratio = results.get(`${targets[1]!.name}|${kind}`)!.rps / results.get(`${targets[0]!.name}|${kind}`)!.rps;
      console.log(`  ${kind}: Node + libSQL file / Worker + local D1 = ${ratio.toFixed(2)}×`);
    }
    const failed = [...results.values()].some((f) => f.errors > 0);
    if (failed) {
      console.error('Some requests did not answer 2xx: the figures above are not clean.');
      process.exitCode = 1;
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await runScript(USAGE, main);
