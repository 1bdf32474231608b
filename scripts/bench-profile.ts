// npm run bench:profile — where the Worker's CPU goes, inside workerd, per
// route. The bench Worker (scripts/bench/: wrangler.toml as deployed, rate
// limits raised) runs under `wrangler dev` with its inspector on; for each
// route and its storage floor, the profiler runs while autocannon loads it
// (8 connections, BENCH_SECONDS s), and the isolate's CPU (non-idle samples)
// is divided by the requests answered, then split by package through the
// dev bundle's source map. D1's own work happens outside the Worker's
// isolate (as on Cloudflare), so what this reads is the Worker's part.
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiToken } from '../src/auth/api-token';
import { newKeyringSecret } from '../src/crypto/keyring';
import { benchWranglerConfig } from './bench/config';
import { connectInspector, profileWhile, splitProfile } from './bench/workerd-profile';
import { appBody, waitFor } from './lib/bench-support';
import { commandLine, runScript } from './lib/cli';
import { d1Store } from './lib/store';
import { ensureTokens } from './lib/tokens';
import { spawnWrangler } from './lib/wrangler';

const USAGE = 'Usage: npm run bench:profile\nThe Worker\'s CPU per request of create, get and list inside workerd (wrangler dev, its inspector), beside\neach storage floor, split by package (timing; not in CI). BENCH_SECONDS sets each profile\'s length (default 5),\nBENCH_TOP the functions listed (default 12),\nBENCH_ONLY=<scenario> profiles only the scenarios whose name starts so.';
commandLine({ usage: USAGE });

const PORT = 8795;
const INSPECTOR = 9235;
const BASE = `http://127.0.0.1:${PORT}`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TOP = Number(process.env.BENCH_TOP ?? 12);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-bench-profile-'));
  let worker: ChildProcess | undefined;
  try {
    const d1 = { remote: false, persistTo: join(dir, 'state') };
    const tokens = Array.from({ length: 8 }, () => generateApiToken());
    const store = await d1Store(d1);
    const [minted] = await ensureTokens({ account: 'bench', scopes: ['oauth_apps:read', 'oauth_apps:write'], tokens }, store);
    await store.close();
    const config = await benchWranglerConfig(dir);
    worker = spawnWrangler(
      ['dev', '-c', config.path, '--port', String(PORT), '--ip', '127.0.0.1', '--inspector-port', String(INSPECTOR),
        '--persist-to', d1.persistTo, '--var', `ENCRYPTION_KEYRING:${newKeyringSecret('bench')}`, '--log-level', 'error'],
      ['ignore', 'ignore', 'inherit'],
    );
    const auth = { Authorization: `Bearer ${tokens[0]!}` };
    await waitFor(`${BASE}/v1/providers`, auth, worker);
    let appId = '';
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${BASE}/v1/oauth-apps`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: appBody() });
      if (res.status !== 200) throw new Error(`seeding answered ${res.status}`);
      appId = ((await res.json()) as { id: string }).id;
    }
    const inspector = await connectInspector(INSPECTOR);
    const account = minted!.accountId;
    const scenarios = [
      { name: 'create', method: 'POST', path: () => '/v1/oauth-apps', body: true, auth: true },
      { name: '  floor: bare insert', method: 'POST', path: () => `/bench/floor/insert?account=${account}`, body: false, auth: false },
      { name: '  floor: bare insert + audit event', method: 'POST', path: () => `/bench/floor/insert-audited?account=${account}`, body: false, auth: false },
      { name: 'get', method: 'GET', path: () => `/v1/oauth-apps/${appId}`, body: false, auth: true },
      { name: '  floor: bare select by id', method: 'GET', path: () => `/bench/floor/get?id=${appId}`, body: false, auth: false },
      { name: 'list (100)', method: 'GET', path: () => '/v1/oauth-apps?limit=100', body: false, auth: true },
      { name: '  floor: bare select of 100', method: 'GET', path: () => `/bench/floor/list?account=${account}`, body: false, auth: false },
    ] as const;
    const rows: string[] = [];
    const details: string[] = [];
    let bundle: string | undefined;
    const only = process.env.BENCH_ONLY;
    for (const s of scenarios) {
      if (only && !s.name.trim().startsWith(only)) continue;
      let n = 0;
      const run = () =>
        autocannon({
          url: BASE,
          connections: 8,
          duration: SECONDS,
          requests: [{
            setupRequest: (req) => ({
              ...req,
              method: s.method,
              path: s.path(),
              headers: { ...(req.headers as Record<string, string>), ...(s.auth ? { authorization: `Bearer ${tokens[n++ % tokens.length]!}` } : {}), ...(s.body ? { 'content-type': 'application/json' } : {}) },
              ...(s.body ? { body: appBody() } : {}),
            }),
          }],
        });
      await run(); // warm-up, unprofiled
      let result: autocannon.Result | undefined;
      const profile = await profileWhile(inspector, async () => (result = await run()));
      const failures = result!.non2xx + result!.errors + result!.timeouts;
      if (failures > 0) throw new Error(`${s.name}: ${failures} answers were not 2xx: no figure`);
      bundle ??= bundleOf(profile, [dir, process.cwd()]);
      const split = splitProfile(profile, bundle);
      const per = (ms: number) => ((ms / result!.requests.total) * 1000).toFixed(0);
      rows.push(`| ${s.name.trim()} | ${result!.requests.total} | ${per(split.totalMs)} | ${split.byPackage.map(([k, v]) => `${k} ${per(v)}`).join(', ')} |`);
      if (!s.name.startsWith(' ')) {
        details.push(`${s.name}: the ${TOP} functions with the most self time, µs per request`);
        for (const [fn, ms] of split.byFunction.slice(0, TOP)) details.push(`  ${per(ms).padStart(5)}  ${fn}`);
      }
    }
    inspector.close();
    console.log(`npm run bench:profile — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}, workerd (wrangler dev) + local D1, 8 connections, ${SECONDS} s each, as deployed`);
    console.log('');
    console.log('| scenario | requests | Worker CPU µs / request | by package, µs / request |');
    console.log('| --- | ---: | ---: | --- |');
    for (const row of rows) console.log(row);
    console.log('');
    for (const line of details) console.log(line);
  } finally {
    worker?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dev bundle the samples ran in (wrangler writes it under .wrangler/tmp/ beside its configuration, with a source map). */
function bundleOf(profile: { nodes: { callFrame: { url: string } }[] }, roots: string[]): string {
  const name = profile.nodes.map((n) => n.callFrame.url).find((u) => u.endsWith('.js'))?.split('/').pop() ?? 'worker.js';
  for (const root of roots) {
    const tmp = join(root, '.wrangler', 'tmp');
    if (!existsSync(tmp)) continue;
    const found = readdirSync(tmp)
      .map((d) => join(tmp, d, name))
      .filter((f) => existsSync(`${f}.map`))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (found) return found;
  }
  throw new Error(`no source map of the Worker's bundle (${name}) under .wrangler/tmp`);
}

await runScript(USAGE, main);
