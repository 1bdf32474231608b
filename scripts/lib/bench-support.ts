// What the benchmarks share: waiting for a server to answer, and the body of
// a fresh app to create.
import type { ChildProcess } from 'node:child_process';
import type { OAuthAppRow } from '../../src/db/schema';
import { canonicalJson } from '../../src/util/canonical-json';
import { NOT_VERIFIED } from '../../src/oauth-apps/oauth-apps.service';

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
 * every app, so the largest filter (filterOf) matches them all; `half` and
 * `mirror` split the apps in two (`parity` even: "even" and "odd"; odd:
 * "odd" and "even"), so each of their values matches half and no app has both
 * "even".
 */
export function benchMetadata(bytes: number, parity = 0): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    team: 'billing', tier: 'gold', region: 'eu-west', plan: 42, active: true,
    owner: { name: 'ops', tags: ['a', 'b'] }, cost_center: 'cc-1234', env: 'production', version: 7, sandbox: false,
    half: parity % 2 === 0 ? 'even' : 'odd', mirror: parity % 2 === 0 ? 'odd' : 'even',
  };
  const filler = 'x'.repeat(Math.max(1, Math.floor((bytes - 300) / 40)));
  for (let k = 12; k < 50; k++) metadata[`field_${k}`] = `${filler}${k}`;
  return metadata;
}

/**
 * A metadata filter of 10 keys. `every`: every benchMetadata app matches it.
 * `none`: the heaviest the API accepts: eight keys every app has, then
 * half = mirror = "even", each matching half the apps and none together.
 * Every entry is common (past the rarity count's cap), so the first drives
 * the page: every app is a candidate, probed for nine entries before the last
 * one fails.
 */
export function filterOf(kind: 'every' | 'none'): string {
  const common = Object.entries(benchMetadata(0)).slice(0, kind === 'every' ? 10 : 8);
  if (kind === 'none') common.push(['half', 'even'], ['mirror', 'even']);
  return JSON.stringify(Object.fromEntries(common));
}

/** An app row for seeding straight into storage: created within the last day, under the bench key id. */
export function benchAppRow(accountId: string, metadataBytes: number, ciphertext: string, parity = 0): OAuthAppRow {
  const at = new Date(Date.now() - Math.floor(Math.random() * 86_400_000)).toISOString();
  return {
    id: crypto.randomUUID(), accountId, provider: 'stripe', name: 'Bench app', clientId: crypto.randomUUID(),
    clientSecretCiphertext: ciphertext, clientSecretKeyId: 'bench', clientSecretGeneration: 1, metadata: canonicalJson(benchMetadata(metadataBytes, parity)),
    providerSettings: '{}', healthStatus: 'ok', healthNotes: '[]', healthTime: at, ...NOT_VERIFIED, clientSecretExpiresAt: null, expiryStage: null, healthAnnounced: 'ok', version: 1, createdAt: at, updatedAt: at,
  };
}

/**
 * For replaying a recorded write: a function that gives each run of 8 or more
 * hex digits in a value (ids, in text or inside JSON) a fresh random run of the
 * same length, the same run always the same within one renewer. The runs of
 * `kept` (the account's id) stay: a write replayed into an account that does
 * not exist fails its guards and writes nothing.
 */
export function hexRenewer(kept: string[] = []): (value: unknown) => unknown {
  const fresh = new Map<string, string>(kept.flatMap((k) => k.match(/[0-9a-f]{8,}/g) ?? []).map((run) => [run, run]));
  const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => (b & 15).toString(16)).join('');
  return (value) =>
    typeof value === 'string' ? value.replace(/[0-9a-f]{8,}/g, (m) => fresh.get(m) ?? (fresh.set(m, hex(m.length)), fresh.get(m)!)) : value;
}
