// Size and start-up budgets of both Worker builds:
//   the default build (D1):           gzip ≤ 63 KiB
//   the libSQL build (wrangler.libsql.toml):  gzip ≤ 84 KiB (the libSQL HTTP client is ~20 KiB of it)
//   start-up CPU of each (non-idle samples of `wrangler check startup`'s profile) ≤ 5 ms
// gzip size is what a plain `wrangler deploy --dry-run` of each file reports
// (minify = true is in the file; a warning from it fails the budget).
// Prints every figure and exits non-zero when any is over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureBuild } from './lib/build-figures';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run budgets\nBuilds both Worker builds as a plain `wrangler deploy --dry-run -c <file>` does (failing on any warning) and checks\nthem against their budgets: D1 ≤ 63 KiB gzip, libSQL ≤ 84 KiB gzip, start-up CPU ≤ 5 ms (median of 21). Exit 1 when over.";
commandLine({ usage: USAGE });

const BUILDS = [
  { name: 'D1 (default, wrangler.toml)', config: 'wrangler.toml', gzipBudgetKiB: 63 },
  { name: 'libSQL + D1 (wrangler.libsql.toml)', config: 'wrangler.libsql.toml', gzipBudgetKiB: 84 },
];
const STARTUP_BUDGET_MS = 5;
// The profiler samples about once a millisecond and a start-up is a few samples
// at most, so single runs jump between 0 and ~10 ms: about one run in four is
// not 0 here, even for a one-line worker now and then. The median of 21 runs
// keeps a few noisy ones from deciding.
const RUNS = 21;

async function measure(build: (typeof BUILDS)[number], out: string): Promise<boolean> {
  const f = await measureBuild(build.config, out, RUNS);
  const gzipOk = f.gzipKiB <= build.gzipBudgetKiB;
  const startupOk = f.startupMedianMs <= STARTUP_BUDGET_MS;
  console.log(`${build.name}`);
  console.log(`  size:         ${f.minifiedKiB} KiB minified, ${f.gzipKiB} KiB gzip (budget ${build.gzipBudgetKiB} KiB) ${gzipOk ? 'ok' : 'OVER'}`);
  console.log(
    `  start-up CPU: ${f.startupMedianMs.toFixed(2)} ms median of ${RUNS}, mean ${f.startupMeanMs.toFixed(2)} (runs: ${f.startupRuns.map((r) => r.toFixed(2)).join(', ')}; budget ${STARTUP_BUDGET_MS} ms) ${startupOk ? 'ok' : 'OVER'}`,
  );
  return gzipOk && startupOk;
}

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'oauth-apps-budget-'));
  try {
    let ok = true;
    for (const build of BUILDS) ok = (await measure(build, out)) && ok;
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await runScript(USAGE, main);
