// The same Hono app, served by @hono/node-server on a libSQL database, with
// the Worker's cron work on a timer.
import { serve, type HttpBindings } from '@hono/node-server';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app';
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
  close(): Promise<void>;
}

export async function startNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const app = createApp(singlePrimaryEngine(options.db));
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
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  const purge = setInterval(() => {
    runScheduled(options.db, env, new Date()).catch((err: unknown) =>
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
