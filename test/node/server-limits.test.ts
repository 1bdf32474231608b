// The Node server's exposure: slow clients are cut off, connections are
// capped, and the unauthenticated limit counts the socket's address (or, from
// a trusted proxy only, the address its header names).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayPrefix, generateApiToken, hashApiToken } from '../../src/auth/api-token';
import { accounts, apiTokens } from '../../src/db/schema';
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { libsqlNodeDatabase, openLibsqlClient } from '../../src/db/libsql-node';
import { ConfigError } from '../../src/config/schema';
import { readNodeConfig } from '../../src/node/config';
import { memoryRateLimiter } from '../../src/node/rate-limiter';
import { DEFAULT_SERVER_LIMITS, startNodeServer, type NodeServer, type ServerLimits } from '../../src/node/server';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-limits-'));
const keyring = JSON.stringify({ primary: 'k1', keys: { k1: randomBytes(32).toString('base64') } });
let client: Awaited<ReturnType<typeof openLibsqlClient>>;
const token = generateApiToken();
const servers: NodeServer[] = [];

beforeAll(async () => {
  client = await openLibsqlClient({ url: `file:${join(dir, 'db.sqlite')}` });
  await applyLibsqlMigrations(client);
  const db = libsqlNodeDatabase(client);
  const accountId = crypto.randomUUID();
  const at = new Date().toISOString();
  await db.insert(accounts).values({ id: accountId, name: 'limits', createdAt: at });
  await db.insert(apiTokens).values({
    id: crypto.randomUUID(),
    accountId,
    tokenHash: await hashApiToken(token),
    tokenPrefix: displayPrefix(token),
    scopes: 'oauth_apps:read oauth_apps:write',
    createdAt: at,
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A server on the test's database; `unauthenticatedLimit` 0: none (the address 127.0.0.1 is over it once a test has spent it). */
async function server(limits: Partial<ServerLimits> = {}, unauthenticatedLimit = 3): Promise<NodeServer> {
  const s = await startNodeServer({
    db: libsqlNodeDatabase(client),
    env: {
      ENCRYPTION_KEYRING: keyring,
      TOKEN_CACHE_TTL_SECONDS: '0',
      UNAUTHENTICATED_RATE_LIMITER: unauthenticatedLimit > 0 ? memoryRateLimiter(unauthenticatedLimit, 60) : undefined,
    },
    port: 0,
    hostname: '127.0.0.1',
    limits: { ...DEFAULT_SERVER_LIMITS, ...limits },
  });
  servers.push(s);
  return s;
}

const badToken = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/oauth-apps`, { headers: { Authorization: `Bearer ${generateApiToken()}`, ...headers } }).then((r) => r.status);

function opened(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with what the server sent once it closes the socket, or 'open' if it has not within `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const timer = setTimeout(() => resolve('open'), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received || 'closed');
    });
  });
}

describe('the client address on Node', () => {
  it('X-Forwarded-For and CF-Connecting-IP from an untrusted peer are ignored: all four count against the socket address', async () => {
    const s = await server();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await badToken(s.url, { 'X-Forwarded-For': `203.0.113.${i}`, 'CF-Connecting-IP': `203.0.113.${i}` }));
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('from a trusted proxy, the rightmost address it did not add is the client', async () => {
    const s = await server({ trustedProxies: ['127.0.0.1'] });
    const statuses = [];
    // One client behind the proxy: a forged left part changes nothing.
    for (let i = 0; i < 4; i++) statuses.push(await badToken(s.url, { 'X-Forwarded-For': `10.9.9.${i}, 203.0.113.50` }));
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Another client behind the same proxy has its own allowance.
    expect(await badToken(s.url, { 'X-Forwarded-For': '203.0.113.51' })).toBe(401);
  });
});

describe('slow clients and connection floods', () => {
  it('headers that do not arrive within the headers timeout: 408 and the connection closed', async () => {
    const s = await server({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 }, 0);
    const socket = await opened(s.url);
    socket.write('GET /v1/oauth-apps HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const outcome = await closedWithin(socket, 6000);
    expect(outcome).not.toBe('open');
    expect(outcome).toMatch(/^HTTP\/1\.1 408|^closed$/);
  });

  it('a body that does not arrive within the request timeout: the connection closed', async () => {
    const s = await server({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 }, 0);
    const socket = await opened(s.url);
    // Authenticated, so the API waits for the body.
    socket.write(
      `POST /v1/oauth-apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
    );
    const outcome = await closedWithin(socket, 8000);
    expect(outcome).not.toBe('open');
    expect(outcome).toMatch(/^HTTP\/1\.1 408|^closed$/);
  });

  it('past the connection cap, a new connection is closed at once', async () => {
    const s = await server({ maxConnections: 2 }, 0);
    const held = [await opened(s.url), await opened(s.url)];
    const third = await opened(s.url);
    expect(await closedWithin(third, 3000)).toBe('closed');
    held.forEach((socket) => socket.destroy());
  });
});

describe('the settings', () => {
  const base = { ENCRYPTION_KEYRING: keyring };
  it('defaults: headers 10 s, request 30 s, 1000 connections, 300 unauthenticated requests a minute, 100000 apps', () => {
    const config = readNodeConfig(base);
    expect(config.limits).toEqual({ ...DEFAULT_SERVER_LIMITS });
    expect(config.limits.headersTimeoutMs).toBe(10_000);
    expect(config.limits.requestTimeoutMs).toBe(30_000);
    expect(config.env.UNAUTHENTICATED_RATE_LIMITER).toBeDefined();
  });

  it('each can be set; a bad value stops the start with the setting named', () => {
    const config = readNodeConfig({
      ...base,
      HEADERS_TIMEOUT_SECONDS: '5',
      REQUEST_TIMEOUT_SECONDS: '20',
      MAX_CONNECTIONS: '50',
      TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2',
      CLIENT_ADDRESS_HEADER: 'X-Real-IP',
      UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '0',
    });
    expect(config.limits).toEqual({
      headersTimeoutMs: 5000,
      requestTimeoutMs: 20_000,
      maxConnections: 50,
      trustedProxies: ['10.0.0.1', '10.0.0.2'],
      clientAddressHeader: 'x-real-ip',
    });
    expect(config.env.UNAUTHENTICATED_RATE_LIMITER).toBeUndefined();
    for (const [name, value] of [
      ['HEADERS_TIMEOUT_SECONDS', '99'],
      ['REQUEST_TIMEOUT_SECONDS', '0'],
      ['MAX_CONNECTIONS', 'lots'],
      ['UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE', '-1'],
      ['MAX_APPS_PER_ACCOUNT', '1e3'],
      ['AUDIT_RETENTION_DAYS', '0'],
      ['AUDIT_RETENTION_DAYS', '36501'],
      ['CLIENT_ADDRESS_HEADER', 'bad header'],
    ] as const) {
      expect(() => readNodeConfig({ ...base, [name]: value }), name).toThrow(ConfigError);
      expect(() => readNodeConfig({ ...base, [name]: value }), name).toThrow(name);
    }
  });
});
