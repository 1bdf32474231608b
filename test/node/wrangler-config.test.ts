// The two Worker builds' configuration files, read as wrangler reads them:
// wrangler.toml (D1) and wrangler.libsql.toml (the libSQL driver too) must be
// the same Worker but for its name, entry point and rate-limit namespaces; and
// each says each rate limit twice (the binding cannot report its own limit,
// so a var describes it for the RateLimit-Policy header): the two must agree.
import { readFileSync } from 'node:fs';
import { experimental_readRawConfig } from 'wrangler';
import { d1Config } from '../../scripts/lib/local-d1';
import { expect, it } from 'vitest';

type Raw = Record<string, unknown> & {
  vars?: Record<string, string>;
  ratelimits?: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
};
const read = (config: string) => experimental_readRawConfig({ config }, { hideWarnings: true }).rawConfig as Raw;
const d1 = read('wrangler.toml');
const libsql = read('wrangler.libsql.toml');

it('both files minify and name no environment, so a plain `wrangler deploy` builds what npm run deploy does, without a warning', () => {
  for (const config of [d1, libsql]) {
    expect(config.minify).toBe(true);
    expect(config.env).toBeUndefined();
  }
});

it('the libSQL build is the D1 build but for its name, entry point and rate-limit namespaces', () => {
  const comparable = ({ name, main, ratelimits, ...rest }: Raw) => ({
    ...rest,
    ratelimits: ratelimits?.map(({ namespace_id, ...limit }) => limit),
  });
  expect(comparable(libsql)).toEqual(comparable(d1));
  expect([d1.main, libsql.main]).toEqual(['src/index.ts', 'src/index.libsql.ts']);
  // The Worker the former `wrangler deploy --env libsql` made: its secrets carry over.
  expect(libsql.name).toBe(`${d1.name as string}-libsql`);
  const namespaces = [...d1.ratelimits!, ...libsql.ratelimits!].map((r) => r.namespace_id);
  expect(new Set(namespaces).size).toBe(namespaces.length);
});

it('RATE_LIMIT_PER_MINUTE and UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE equal their bindings’ limits, in both builds', () => {
  for (const config of [d1, libsql]) {
    for (const [binding, name] of [
      ['RATE_LIMITER', 'RATE_LIMIT_PER_MINUTE'],
      ['UNAUTHENTICATED_RATE_LIMITER', 'UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE'],
    ] as const) {
      const limit = config.ratelimits!.find((r) => r.name === binding)!.simple;
      expect(limit.period, binding).toBe(60);
      expect(Number(config.vars![name]), name).toBe(limit.limit);
    }
  }
});

it("the scripts' reading of the D1 entry (scripts/lib/local-d1.ts) is wrangler's", () => {
  const entry = (d1.d1_databases as { binding: string; database_id: string; migrations_dir: string }[])[0]!;
  const ours = d1Config();
  expect([ours.binding, ours.databaseId]).toEqual([entry.binding, entry.database_id]);
  expect(ours.migrationsDir.endsWith(`/${entry.migrations_dir}`)).toBe(true);
  // A placeholder replaced by a real id, as the README's deploy step does, is read too.
  const real = readFileSync('wrangler.toml', 'utf8').replace('00000000-0000-0000-0000-000000000000', '0f1e2d3c-aaaa-bbbb-cccc-123456789abc');
  expect(d1Config(real).databaseId).toBe('0f1e2d3c-aaaa-bbbb-cccc-123456789abc');
});

it('npm run bench runs wrangler.toml as deployed: only its entry point, name and rate limits (raised) differ', async () => {
  const { benchWranglerConfig, BENCH_RATE_LIMIT } = await import('../../scripts/bench/config');
  const { mkdtempSync, readFileSync: read, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, resolve } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'bench-config-'));
  try {
    const bench = JSON.parse(read((await benchWranglerConfig(dir)).path, 'utf8')) as Raw & Record<string, unknown>;
    const comparable = ({ name, main, ratelimits, vars, d1_databases, assets, alias, ...rest }: Raw & Record<string, unknown>) => ({
      ...rest,
      alias: Object.fromEntries(Object.entries(alias as Record<string, string>).map(([from, to]) => [from, resolve(to)])),
      vars: { ...vars, RATE_LIMIT_PER_MINUTE: undefined, UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: undefined },
      ratelimits: ratelimits?.map(({ simple, ...r }) => ({ ...r, period: simple.period })),
      d1: (d1_databases as { migrations_dir?: string }[] | undefined)?.map((d) => ({ ...d, migrations_dir: resolve(d.migrations_dir ?? '') })),
      assets: { ...(assets as object), directory: resolve((assets as { directory: string }).directory) },
    });
    expect(comparable(bench)).toEqual(comparable(d1));
    expect(bench.main).toBe(resolve('scripts/bench/worker.ts'));
    expect(bench.ratelimits!.map((r) => r.simple.limit)).toEqual(d1.ratelimits!.map(() => BENCH_RATE_LIMIT));
    // Nothing about logging is set for the run: the Worker logs as deployed.
    expect(Object.keys(bench.vars ?? {}).filter((k) => k.startsWith('REQUEST_LOG'))).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
