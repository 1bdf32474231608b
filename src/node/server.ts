// The same Hono app, served by @hono/node-server on a libSQL database, with
// the Worker's cron work on a timer.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app';
import type { Database } from '../db/client';
import { singlePrimaryEngine } from '../db/libsql';
import type { Bindings } from '../env';
import { logEvent } from '../http/log';
import { runScheduled } from '../scheduled';

export interface NodeServerOptions {
  db: Database;
  env: Bindings;
  port: number;
  hostname: string;
  /** How often the scheduled jobs run (the Worker's cron: 15 min). */
  purgeEveryMs?: number;
}

export interface NodeServer {
  /** Where it listens, e.g. http://127.0.0.1:8788 */
  url: string;
  close(): Promise<void>;
}

export async function startNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const app = createApp(singlePrimaryEngine(options.db));
  const { env } = options;
  const server = serve({ fetch: (request) => app.fetch(request, env), port: options.port, hostname: options.hostname });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  const purge = setInterval(() => {
    runScheduled(options.db, env.ENCRYPTION_KEYRING, new Date()).catch((err: unknown) =>
      logEvent('scheduled run failed', { error: err instanceof Error ? err.name : typeof err }),
    );
  }, options.purgeEveryMs ?? 15 * 60_000);
  purge.unref();

  return {
    url: `http://${options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(purge);
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
