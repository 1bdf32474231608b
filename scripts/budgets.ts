// Size and start-up budgets of both Worker builds:
//   the default build (D1):           gzip ≤ 60 KiB
//   the libSQL build (wrangler.libsql.toml):  gzip ≤ 81 KiB (the libSQL HTTP client is ~20 KiB of it)
//   start-up CPU of each (non-idle samples of `wrangler check startup`'s profile), mean of 21 runs ≤ 10 ms
// gzip size is what a plain `wrangler deploy --dry-run` of each file reports
// (minify = true is in the file; a warning from it fails the budget).
// Prints every figure and exits non-zero when any is over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureBuild } from './lib/build-figures';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run budgets\nBuilds both Worker builds as a plain `wrangler deploy --dry-run -c <file>` does (failing on any warning) and checks\nthem against their budgets: D1 ≤ 60 KiB gzip, libSQL ≤ 81 KiB gzip, start-up CPU ≤ 10 ms (mean of 21). Exit 1 when over.";
commandLine({ usage: USAGE });

const BUILDS = [
  { name: 'D1 (default, wrangler.toml)', config: 'wrangler.toml', gzipBudgetKiB: 60 },
  { name: 'libSQL + D1 (wrangler.libsql.toml)', config: 'wrangler.libsql.toml', gzipBudgetKiB: 81 },
];
const STARTUP_BUDGET_MS = 10;
// A start-up that only parses the bundle (src/worker.ts) is shorter than the
// profiler's gaps here: a run's profile holds one or two samples 8-18 ms apart,
// and reads 0, or the one non-idle sample's whole interval (2-11 ms). So the
// median of 21 flips between 0 and a random interval (it read 7.05 ms in one CI
// run of code whose other runs read 0.00). The mean is what estimates the CPU
// (each sample stands for the interval before it): 1.6-8.0 ms over the runs of
// 2026-12-02, against 20 ms when the modules ran at start-up, which the budget
// exists to catch.
const RUNS = 21;

async function measure(build: (typeof BUILDS)[number], out: string): Promise<boolean> {
  const f = await measureBuild(build.config, out, RUNS);
  const gzipOk = f.gzipKiB <= build.gzipBudgetKiB;
  const startupOk = f.startupMeanMs <= STARTUP_BUDGET_MS;
  console.log(`${build.name}`);
  console.log(`  size:         ${f.minifiedKiB} KiB minified, ${f.gzipKiB} KiB gzip (budget ${build.gzipBudgetKiB} KiB) ${gzipOk ? 'ok' : 'OVER'}`);
  console.log(
    `  start-up CPU: ${f.startupMedianMs.toFixed(2)} ms median of ${RUNS}, mean ${f.startupMeanMs.toFixed(2)} (the budget's; runs: ${f.startupRuns.map((r) => r.toFixed(2)).join(', ')}; budget ${STARTUP_BUDGET_MS} ms) ${startupOk ? 'ok' : 'OVER'}`,
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
