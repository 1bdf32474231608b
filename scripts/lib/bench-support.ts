// What the benchmarks share: waiting for a server to answer, and the body of
// a fresh app to create.
import type { ChildProcess } from 'node:child_process';

/** Resolves once `url` answers 2xx; throws if the server exits or never comes up (2 minutes). */
export async function waitFor(url: string, headers: Record<string, string>, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not come up`);
}

/** A create body with a fresh client_id and secret. */
export function appBody(): string {
  return JSON.stringify({
    provider: 'stripe',
    client_id: crypto.randomUUID(),
    client_secret: `sk-bench-${crypto.randomUUID()}`,
    name: 'Bench app',
    metadata: { team: 'bench' },
  });
}

/**
 * Large metadata for the filtered-list benchmark: 50 top-level keys (the
 * most an app may have), ~`bytes` as JSON. The first ten are the same in
 * every app, so the maximum filter (filterOf) matches them all.
 */
export function benchMetadata(bytes: number): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    team: 'billing', tier: 'gold', region: 'eu-west', plan: 42, active: true,
    owner: { name: 'ops', tags: ['a', 'b'] }, cost_center: 'cc-1234', env: 'production', version: 7, sandbox: false,
  };
  const filler = 'x'.repeat(Math.max(1, Math.floor((bytes - 300) / 40)));
  for (let k = 10; k < 50; k++) metadata[`field_${k}`] = `${filler}${k}`;
  return metadata;
}

/** A metadata filter of `keys` keys (at most 10) that every benchMetadata app matches; `missLast` makes its last key match none. */
export function filterOf(keys: number, missLast = false): string {
  const entries = Object.entries(benchMetadata(0)).slice(0, keys);
  if (missLast) entries[entries.length - 1] = [entries.at(-1)![0], 'no app has this value'];
  return JSON.stringify(Object.fromEntries(entries));
}
