// Size and start-up budgets of both Worker builds:
//   the default build (D1):           gzip ≤ 60 KiB
//   the libSQL build (--env libsql):  gzip ≤ 80 KiB (the libSQL HTTP client is ~20 KiB of it)
//   start-up CPU of each (non-idle samples of `wrangler check startup`'s profile) ≤ 5 ms
// gzip size is what `wrangler deploy --dry-run --minify` reports.
// Prints every figure and exits non-zero when any is over.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wranglerOrThrow } from './lib/wrangler';

const BUILDS = [
  { name: 'D1 (default)', env: '', gzipBudgetKiB: 60 },
  { name: 'libSQL + D1 (--env libsql)', env: 'libsql', gzipBudgetKiB: 80 },
];
const STARTUP_BUDGET_MS = 5;
// The profiler samples about once a millisecond and a start-up is a few samples
// at most, so single runs jump between 0 and ~10 ms: about one run in four is
// not 0 here, even for a one-line worker now and then. The median of 21 runs
// keeps a few noisy ones from deciding.
const RUNS = 21;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Milliseconds of the samples that are not "(idle)". Each sample is counted
 * for the interval that led up to it (its timeDelta): the time after the last
 * sample, until the profiler stops, was not sampled and is not counted.
 */
export function nonIdleMs(profile: CpuProfile): number {
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  let micros = 0;
  profile.samples.forEach((nodeId, i) => {
    if (names.get(nodeId) !== '(idle)') micros += profile.timeDeltas[i] ?? 0;
  });
  return micros / 1000;
}

async function measure(build: (typeof BUILDS)[number], out: string): Promise<boolean> {
  const bundle = join(out, `${build.env || 'default'}.bundle`);
  const deploy = await wranglerOrThrow([
    'deploy', '--dry-run', '--minify', `--env=${build.env}`,
    '--outdir', join(out, `dist-${build.env || 'default'}`), '--outfile', bundle,
  ]);
  const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(deploy);
  if (!size) throw new Error(`could not read the upload size from wrangler:\n${deploy}`);
  const [minified, gzip] = [Number(size[1]), Number(size[2])];

  const profilePath = join(out, 'startup.cpuprofile');
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await wranglerOrThrow(['check', 'startup', '--worker', bundle, '--outfile', profilePath]);
    runs.push(nonIdleMs(JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile));
  }
  runs.sort((a, b) => a - b);
  const startup = runs[Math.floor(runs.length / 2)]!;
  const mean = runs.reduce((a, b) => a + b, 0) / runs.length;

  const gzipOk = gzip <= build.gzipBudgetKiB;
  const startupOk = startup <= STARTUP_BUDGET_MS;
  console.log(`${build.name}`);
  console.log(`  size:         ${minified} KiB minified, ${gzip} KiB gzip (budget ${build.gzipBudgetKiB} KiB) ${gzipOk ? 'ok' : 'OVER'}`);
  console.log(
    `  start-up CPU: ${startup.toFixed(2)} ms median of ${runs.length}, mean ${mean.toFixed(2)} (runs: ${runs.map((r) => r.toFixed(2)).join(', ')}; budget ${STARTUP_BUDGET_MS} ms) ${startupOk ? 'ok' : 'OVER'}`,
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

await main();
