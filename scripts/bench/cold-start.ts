// What a cold isolate costs its first caller. Each run starts a fresh
// `wrangler dev` of the bench Worker on the bench's D1 and waits until its
// /bench/noop answers (that route never loads the app, so the API's modules
// are still unevaluated). It then reads the app's row bare
// (/bench/floor/get: the local D1's own first read, which opens its file),
// then times the first GET /v1/oauth-apps/{id} — the app's modules evaluated,
// the app built, the keyring imported, the token looked up in storage — and
// then warm GETs of the same app, and warm bare reads.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '../lib/bench-support';
import { spawnWrangler } from '../lib/wrangler';

export interface ColdStart {
  /** ms, sorted: each run's first GET of the app. */
  first: number[];
  /** ms: each run's median of its warm GETs, sorted. */
  warm: number[];
  /** ms, sorted: each run's first bare read (storage alone, cold). */
  storageFirst: number[];
  /** ms: each run's median of warm bare reads, sorted. */
  storageWarm: number[];
}

const WARM_REQUESTS = 20;

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function measureColdStart(options: {
  args: string[];
  base: string;
  token: string;
  appId: string;
  runs: number;
}): Promise<ColdStart> {
  const first: number[] = [];
  const warm: number[] = [];
  const storageFirst: number[] = [];
  const storageWarm: number[] = [];
  const headers = { Authorization: `Bearer ${options.token}` };
  for (let run = 0; run < options.runs; run++) {
    let worker: ChildProcess | undefined = spawnWrangler(options.args, ['ignore', 'ignore', 'inherit']);
    try {
      await waitFor(`${options.base}/bench/noop`, {}, worker);
      const bare = `${options.base}/bench/floor/get?id=${options.appId}`;
      storageFirst.push(await timed(bare, {}));
      const url = `${options.base}/v1/oauth-apps/${options.appId}`;
      first.push(await timed(url, headers));
      const warmRuns: number[] = [];
      const bareRuns: number[] = [];
      for (let i = 0; i < WARM_REQUESTS; i++) {
        warmRuns.push(await timed(url, headers));
        bareRuns.push(await timed(bare, {}));
      }
      warm.push(median(warmRuns));
      storageWarm.push(median(bareRuns));
    } finally {
      const exited = once(worker, 'exit');
      worker.kill('SIGTERM');
      await exited;
      worker = undefined;
    }
  }
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return { first: sorted(first), warm: sorted(warm), storageFirst: sorted(storageFirst), storageWarm: sorted(storageWarm) };
}
