import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

// Nothing in the tests may reach the network: no Request.cf download.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One HTTP suite, two targets: every file under test/ except the
// engine-specific folders runs against both.
const SHARED = ['test/**/*.test.ts'];
const NODE_ONLY = 'test/node/**';
const D1_ONLY = 'test/d1/**';

export default defineConfig(async () => {
  // The real migrations, applied to each test file's fresh local D1 by test/setup.worker.ts.
  const migrations = await readD1Migrations('migrations');
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
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
                },
                ratelimits: {
                  // Roomy for the suite; the 429 test swaps in the small one.
                  RATE_LIMITER: { simple: { limit: 100_000, period: 60 } },
                  SMALL_RATE_LIMITER: { simple: { limit: 3, period: 60 } },
                },
              },
            }),
          ],
          resolve: { alias: { '#target': here('./test/support/targets/worker.ts') } },
          test: {
            name: 'worker',
            setupFiles: ['./test/setup.worker.ts'],
            include: SHARED,
            exclude: [NODE_ONLY],
          },
        },
        {
          resolve: { alias: { '#target': here('./test/support/targets/node.ts') } },
          test: {
            name: 'node',
            environment: 'node',
            setupFiles: ['./test/setup.node.ts'],
            include: SHARED,
            exclude: [D1_ONLY],
          },
        },
      ],
    },
  };
});
