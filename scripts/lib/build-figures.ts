// Size and start-up CPU of a Worker build, as wrangler reports and profiles
// them: gzip from a plain `wrangler deploy --dry-run` of its configuration
// file (which must minify by itself and print no warning), start-up from the
// non-idle samples of `wrangler check startup`'s profile (median of runs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wranglerOrThrow } from './wrangler';

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

export interface BuildFigures {
  minifiedKiB: number;
  gzipKiB: number;
  /** Start-up CPU, ms, sorted. */
  startupRuns: number[];
  startupMedianMs: number;
  startupMeanMs: number;
}

/** Builds the Worker of a configuration file (wrangler.toml, wrangler.libsql.toml) into `out` and measures it. */
export async function measureBuild(config: string, out: string, runs: number): Promise<BuildFigures> {
  const label = config.replace(/\.toml$/, '');
  const bundle = join(out, `${label}.bundle`);
  // As a user deploys: no flags but the file. A warning (e.g. an environment to guess) fails the build.
  const deploy = await wranglerOrThrow(['deploy', '--dry-run', '-c', config, '--outdir', join(out, `dist-${label}`), '--outfile', bundle]);
  if (/WARNING/.test(deploy)) throw new Error(`wrangler deploy --dry-run -c ${config} warned:\n${deploy}`);
  const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(deploy);
  if (!size) throw new Error(`could not read the upload size from wrangler:\n${deploy}`);
  const profilePath = join(out, 'startup.cpuprofile');
  const startupRuns: number[] = [];
  for (let i = 0; i < runs; i++) {
    await wranglerOrThrow(['check', 'startup', '--worker', bundle, '--outfile', profilePath]);
    startupRuns.push(nonIdleMs(JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile));
  }
  startupRuns.sort((a, b) => a - b);
  return {
    minifiedKiB: Number(size[1]),
    gzipKiB: Number(size[2]),
    startupRuns,
    startupMedianMs: startupRuns[Math.floor(startupRuns.length / 2)]!,
    startupMeanMs: startupRuns.reduce((a, b) => a + b, 0) / startupRuns.length,
  };
}
