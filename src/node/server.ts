// The same Hono app, served by @hono/node-server on a libSQL database, with
// the Worker's cron work on a timer, and a shutdown that drains.
import { serve, type HttpBindings } from '@hono/node-server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app';
import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/schema';
import type { Database } from '../db/client';
import { singlePrimaryEngine } from '../db/libsql';
import type { Bindings } from '../env';
import { logEvent } from '../http/log';
import { serveDocs } from './docs-route';
import { fileAssets } from './file-assets';
import { runScheduled } from '../scheduled';

/** What one client may hold of the server, and how its address is known. */
export interface ServerLimits {
  /** A request's headers must arrive within this (slow clients are cut off). */
  headersTimeoutMs: number;
  /** A whole request must arrive within this. */
  requestTimeoutMs: number;
  /** Connections open at once; past it a new one is closed at once. */
  maxConnections: number;
  /** Peers whose clientAddressHeader names the client (e.g. a load balancer); anyone else's is ignored. */
  trustedProxies: string[];
  clientAddressHeader: string;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 1000,
  trustedProxies: [],
  clientAddressHeader: 'x-forwarded-for',
};

export interface NodeServerOptions {
  db: Database;
  /** The settings, parsed at start (src/node/config.ts). Absent: env's, parsed on first use. */
  config?: AppConfig;
  /** The limiters (and, without config, the settings as strings). */
  env: Bindings;
  port: number;
  hostname: string;
  limits?: ServerLimits;
  /** How often the scheduled jobs run (the Worker's cron: 15 min). */
  purgeEveryMs?: number;
}

export interface NodeServer {
  /** Where it listens, e.g. http://127.0.0.1:8788 */
  url: string;
  /** Stops at once: closes every connection, in flight or not. */
  close(): Promise<void>;
  /**
   * Stops gracefully: /readyz answers 503 from now, the listening socket
   * closes, idle connections close, each request in flight finishes and its
   * connection then closes (Connection: close). Past timeoutMs whatever is
   * left is cut off. A scheduled run under way finishes within the same bound.
   */
  shutdown(timeoutMs: number): Promise<ShutdownReport>;
}

export interface ShutdownReport {
  /** Requests still in flight when shutdown began. */
  inFlight: number;
  /** Of those, how many were cut off at the deadline. */
  cutOff: number;
}

export async function startNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  let draining = false;
  const app = createApp(singlePrimaryEngine(options.db), { config: options.config, draining: () => draining, runtime: 'node' });
  serveDocs(app);
  const limits = options.limits ?? DEFAULT_SERVER_LIMITS;
  // Each request's client address, for the unauthenticated limit: known from the socket here, read by the app.
  const addresses = new WeakMap<Request, string>();
  const env: Bindings = { ASSETS: fileAssets(), ...options.env, CLIENT_ADDRESS: (request) => addresses.get(request) };
  const server = serve({
    fetch: (request, node) => {
      addresses.set(request, clientAddressOf((node as HttpBindings).incoming, limits));
      return app.fetch(request, env);
    },
    port: options.port,
    hostname: options.hostname,
    serverOptions: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks those timeouts (default 30 s, which would let a slow client stay 30 s longer).
      connectionsCheckingInterval: 1000,
    },
  });
  // A Node http.Server: past the cap, new connections are closed on accept.
  (server as { maxConnections: number }).maxConnections = limits.maxConnections;
  // The requests whose answer has not finished, for the drain.
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (draining) res.setHeader('Connection', 'close');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options)));
  });
  const { port } = server.address() as AddressInfo;

  let scheduledRun: Promise<unknown> | undefined;
  const purge = setInterval(() => {
    if (scheduledRun) return; // the last one is still going
    scheduledRun = runScheduled(options.db, env, new Date(), options.config)
      .catch((err: unknown) => logEvent('scheduled run failed', { error: err instanceof Error ? err.name : typeof err }))
      .finally(() => (scheduledRun = undefined));
  }, options.purgeEveryMs ?? 15 * 60_000);
  purge.unref();

  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));

  return {
    url: `http://${options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname}:${port}`,
    close: async () => {
      clearInterval(purge);
      server.close();
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
    },
    async shutdown(timeoutMs) {
      draining = true;
      clearInterval(purge);
      const report: ShutdownReport = { inFlight: inFlight.size, cutOff: 0 };
      // Answers not begun yet close their connection once sent.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      server.close();
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      const done = Promise.all([closed, scheduledRun]).then(() => 'done' as const);
      if ((await Promise.race([done, deadline])) === 'late') {
        report.cutOff = inFlight.size;
        if ('closeAllConnections' in server) server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      return report;
    },
  };
}

/** Why it cannot listen, as a setting to change when it is one (main.ts exits 2 for those). */
function listenError(err: NodeJS.ErrnoException, options: NodeServerOptions): Error {
  if (err.code === 'EADDRINUSE') return new ConfigError(`PORT ${options.port} is already in use on HOST ${options.hostname}`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new ConfigError('HOST is not an address of this machine');
  }
  if (err.code === 'EACCES') return new ConfigError(`PORT ${options.port} needs privileges this process lacks`);
  return err;
}

/** Strips the IPv4-mapped prefix, so one client has one key whichever socket family it came in on. */
const plainAddress = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/**
 * The socket's peer, or, when the peer is a trusted proxy, the client its
 * header names: for X-Forwarded-For the rightmost address that is not itself
 * a trusted proxy (the ones to its left are whatever the client sent).
 */
export function clientAddressOf(incoming: IncomingMessage, limits: ServerLimits): string {
  const peer = plainAddress(incoming.socket.remoteAddress ?? 'unknown');
  if (!limits.trustedProxies.includes(peer)) return peer;
  const raw = incoming.headers[limits.clientAddressHeader];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (!value) return peer;
  if (limits.clientAddressHeader !== 'x-forwarded-for') return plainAddress(value.trim()) || peer;
  const hops = value.split(',').map((hop) => plainAddress(hop.trim())).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!limits.trustedProxies.includes(hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}
