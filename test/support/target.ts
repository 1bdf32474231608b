// What the HTTP suite needs from the system under test. Each test project
// resolves '#target' to one implementation (vitest.config.ts):
//   targets/worker.ts         the Worker in workerd, on local D1 (SELF.fetch)
//   targets/worker-libsql.ts  the wrangler.libsql.toml Worker in workerd, on a real libSQL server (sqld) over HTTP
//   targets/node.ts           the Node server (@hono/node-server) on a libSQL file, over real HTTP
import type { Database } from '../../src/db/client';
import type { Bindings } from '../../src/env';

/** Plain SQL on the target's database, D1's statement API (the Worker target's is D1 itself). */
export interface RawStatement {
  bind(...values: unknown[]): RawStatement;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  first<T = unknown>(column: string): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  run(): Promise<unknown>;
}

export interface RawDatabase {
  prepare(sql: string): RawStatement;
}

/** The settings both targets run the app with, and raw access to their storage. */
export interface TestEnv {
  DB: RawDatabase;
  ENCRYPTION_KEYRING: string;
  /** A limiter of 3 requests per minute, for the 429 tests. */
  SMALL_RATE_LIMITER: RateLimit;
  /** The verification tests' OAuth servers and clients (test/support/test-providers.ts). */
  TEST_PROVIDERS: string;
}

export interface Target {
  name: 'worker' | 'worker-libsql' | 'node';
  /** Whether responses carry x-d1-bookmark (D1 sessions). */
  bookmarks: boolean;
  env: TestEnv;
  /** drizzle over the same storage the app uses (read it each time: it may be made per use). */
  readonly db: Database;
  /** Sends a request to the API the way a client would. */
  send(request: Request): Promise<Response>;
  /** Runs the request through the same app with some settings replaced (a broken keyring, a small limiter). */
  sendWithEnv(request: Request, overrides: Partial<Bindings>): Promise<Response>;
  /** The scheduled work (Worker: the cron trigger's handler; Node: the server's timer job). */
  runScheduled(now: Date, overrides?: Partial<Bindings>): Promise<void>;
}
