import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from './test/support/sqld.ts';
import { testTokenUrls, type TestProviders } from './test/support/test-providers.ts';

// Nothing in the tests may reach the network: no Request.cf download.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One HTTP suite, three targets (test/support/target.ts): every file under
// test/ runs against each, except the engine-specific folders.
const SUITE = ['test/**/*.test.ts'];
const NODE_ONLY = 'test/node/**';
const D1_ONLY = 'test/d1/**';
const FUZZ = 'test/fuzz/**';

export default defineConfig(async () => {
  // The real migrations, applied to each test file's fresh local D1 by test/setup.worker.ts.
  const migrations = await readD1Migrations('migrations');
  // The worker-libsql project's libSQL server is reached here (a proxy in
  // front of sqld: test/global-setup.sqld.ts).
  const sqldPort = await freePort();
  process.env.TEST_SQLD_PORT = String(sqldPort); // for test/global-setup.sqld.ts

  // The OAuth servers the verification tests ask (test/global-setup.providers.ts),
  // their clients' secrets fresh per run; the Node target reads the same.
  const loopback = async () => `http://127.0.0.1:${await freePort()}`;
  const secret = () => randomBytes(24).toString('base64url');
  const providers: TestProviders = {
    oidc: await loopback(),
    github: await loopback(),
    down: await loopback(),
    clients: {
      basic: { id: 'verify-basic-client', secret: secret() },
      post: { id: 'verify-post-client', secret: secret() },
      github: { id: 'Iv1.verifygithubclient', secret: secret() },
    },
  };
  process.env.TEST_PROVIDERS = JSON.stringify(providers);
  const providerTokenUrls = JSON.stringify(testTokenUrls(providers));
  process.env.TEST_PROVIDER_TOKEN_URLS = providerTokenUrls;

  const workerPlugin = (extra: { configPath?: string; bindings?: Record<string, string> } = {}) =>
    cloudflareTest({
      wrangler: { configPath: extra.configPath ?? './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          // A fresh keyring per run; never the developer's .dev.vars.
          ENCRYPTION_KEYRING: JSON.stringify({
            primary: 'test-k1',
            keys: { 'test-k1': randomBytes(32).toString('base64') },
          }),
          // Token revocation must show at once unless a test turns the cache on.
          TOKEN_CACHE_TTL_SECONDS: '0',
          // What the roomy limiters below allow (the RateLimit-Policy header says it).
          RATE_LIMIT_PER_MINUTE: '100000',
          UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '100000',
          PROVIDER_TOKEN_URLS: providerTokenUrls,
          TEST_PROVIDERS: process.env.TEST_PROVIDERS!,
          ...extra.bindings,
        },
        ratelimits: {
          // Roomy for the suite; the 429 test swaps in the small one.
          RATE_LIMITER: { simple: { limit: 100_000, period: 60 } },
          UNAUTHENTICATED_RATE_LIMITER: { simple: { limit: 100_000, period: 60 } },
          SMALL_RATE_LIMITER: { simple: { limit: 3, period: 60 } },
        },
      },
    });

  return {
    test: {
      // Two files at a time. vitest's default in a run is one fewer than the
      // cores, so one on a 2-core machine (CI's): every file waited for the last,
      // though most of a file's time is spent waiting on workerd, sqld or a server.
      maxWorkers: 2,
      globalSetup: ['./test/global-setup.providers.ts'],
      projects: [
        {
          plugins: [workerPlugin()],
          resolve: { alias: { '#target': here('./test/support/targets/worker.ts') } },
          test: { name: 'worker', setupFiles: ['./test/setup.worker.ts'], include: SUITE, exclude: [NODE_ONLY] },
        },
        {
          plugins: [workerPlugin({ configPath: './wrangler.libsql.toml', bindings: { LIBSQL_URL: `http://127.0.0.1:${sqldPort}` } })],
          resolve: { alias: { '#target': here('./test/support/targets/worker-libsql.ts') } },
          test: {
            name: 'worker-libsql',
            globalSetup: ['./test/global-setup.sqld.ts'],
            setupFiles: ['./test/setup.libsql.ts'],
            include: SUITE,
            // The fuzzer's 5,000 cases run on the other two targets: here every
            // request goes through SELF.fetch, which workerd slows with each
            // request a test makes (sendMany() in test/support/fixtures.ts),
            // and the file took over 9 minutes.
            exclude: [NODE_ONLY, D1_ONLY, FUZZ],
            // One libSQL server database for all files: one file at a time
            // (their whole-table counts and scheduled runs would see each
            // other's writes), beside the other projects' files rather than
            // after them: run after, the chain left a core idle for ~4 minutes
            // (2026-12-02: 567 s after, 529 s beside, the same 1,431 tests passing).
            fileParallelism: false,
            // Every query is an HTTP round trip to sqld, sharing 2 cores with the other projects.
            testTimeout: 30_000,
            hookTimeout: 30_000,
          },
        },
        {
          resolve: { alias: { '#target': here('./test/support/targets/node.ts') } },
          test: {
            name: 'node',
            environment: 'node',
            setupFiles: ['./test/setup.node.ts'],
            include: SUITE,
            exclude: [D1_ONLY],
          },
        },
      ],
    },
  };
});
