// The bench Worker's configuration, made from wrangler.toml at each run so it
// cannot drift from what is deployed: the same vars, compatibility date,
// bindings, observability, assets and aliases; only the entry point (the bench Worker,
// which wraps the real one) and the rate limits (raised so the load is never
// refused) differ.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Per minute: far above what one machine can send, so no answer is a 429. */
export const BENCH_RATE_LIMIT = 1_000_000_000;

type Raw = Record<string, unknown> & {
  vars?: Record<string, string>;
  ratelimits?: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
  d1_databases?: { migrations_dir?: string }[];
  assets?: { directory?: string };
  alias?: Record<string, string>;
};

/** Writes the configuration into `dir` and returns its path (paths in it are absolute). */
export async function benchWranglerConfig(dir: string): Promise<{ path: string; deployed: Raw }> {
  // Imported here, not at the top: wrangler's API takes ~2.5 s to load, and
  // `--help` (and a usage error) of the scripts that import this must not wait for it.
  const { experimental_readRawConfig } = await import('wrangler');
  const deployed = experimental_readRawConfig({ config: 'wrangler.toml' }, { hideWarnings: true }).rawConfig as Raw;
  const config: Raw = {
    ...deployed,
    name: 'oauth-apps-bench',
    main: resolve('scripts/bench/worker.ts'),
    vars: {
      ...deployed.vars,
      // The RateLimit-Policy header's figures, as the raised limits say.
      RATE_LIMIT_PER_MINUTE: String(BENCH_RATE_LIMIT),
      UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: String(BENCH_RATE_LIMIT),
    },
    ratelimits: deployed.ratelimits?.map((r) => ({ ...r, simple: { ...r.simple, limit: BENCH_RATE_LIMIT } })),
    d1_databases: deployed.d1_databases?.map((d) => ({ ...d, migrations_dir: resolve(d.migrations_dir ?? 'migrations') })),
    assets: deployed.assets && { ...deployed.assets, directory: resolve(deployed.assets.directory ?? 'public') },
    // wrangler resolves an alias's target from the configuration's folder: here, a scratch one.
    alias: deployed.alias && Object.fromEntries(Object.entries(deployed.alias).map(([from, to]) => [from, resolve(to)])),
  };
  const path = join(dir, 'wrangler.bench.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { path, deployed };
}
