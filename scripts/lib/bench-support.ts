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
