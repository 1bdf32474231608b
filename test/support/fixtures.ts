// Accounts, tokens and requests for the tests, written through the real
// storage layer into the target's real database: the Worker's local D1, or
// the Node server's libSQL file (see target.ts).
import { target } from '#target';
import { generateApiToken, hashApiToken, displayPrefix } from '../../src/auth/api-token';
import type { Scope } from '../../src/auth/scopes';
import { sql } from 'drizzle-orm';
import { accounts, apiTokens, oauthApps } from '../../src/db/schema';
import type { Bindings } from '../../src/env';
import { createOAuthAppsClient, type components, type OAuthAppsClient } from '../../packages/client/src/index';
import { checkContract } from './contract';
import { rememberSecret } from './log-capture';

export const db = () => target.db;

/** The settings the app runs with here, and raw SQL on its database (env.DB.prepare(...)). */
export const env = target.env;

/** Which system is under test: its name, and whether it has D1 bookmarks. */
export const targetInfo = { name: target.name, bookmarks: target.bookmarks };

/** How many OAuth app rows the database holds (to show a failed request wrote nothing). */
export async function oauthAppCount(): Promise<number> {
  const [row] = await db().select({ n: sql<number>`count(*)` }).from(oauthApps);
  return row!.n;
}

export const ALL_SCOPES: Scope[] = ['oauth_apps:read', 'oauth_apps:write', 'oauth_apps:secrets'];

export async function createAccount(name = `acct-${crypto.randomUUID()}`): Promise<string> {
  const id = crypto.randomUUID();
  await db().insert(accounts).values({ id, name, createdAt: new Date().toISOString() });
  return id;
}

export interface TestToken {
  token: string;
  tokenId: string;
  accountId: string;
}

export async function createToken(
  accountId: string,
  scopes: Scope[] = ALL_SCOPES,
  options: { expiresAt?: string; revokedAt?: string } = {},
): Promise<TestToken> {
  const token = rememberSecret(generateApiToken());
  const tokenId = crypto.randomUUID();
  await db()
    .insert(apiTokens)
    .values({
      id: tokenId,
      accountId,
      tokenHash: await hashApiToken(token),
      tokenPrefix: displayPrefix(token),
      scopes: scopes.join(' '),
      createdAt: new Date().toISOString(),
      expiresAt: options.expiresAt ?? null,
      revokedAt: options.revokedAt ?? null,
    });
  return { token, tokenId, accountId };
}

/** A fresh account with a token holding every scope. */
export async function newCaller(scopes: Scope[] = ALL_SCOPES): Promise<TestToken> {
  return createToken(await createAccount(), scopes);
}

/** A client secret that looks real and is registered for the leak checks. */
export function newSecret(): string {
  return rememberSecret(`sk-test-${crypto.randomUUID()}`);
}

/** The seed page's request body, with a fresh client_id and secret. */
export function seedBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'stripe',
    client_id: crypto.randomUUID(),
    client_secret: newSecret(),
    name: 'Arakkis - Stripe',
    metadata: { custom_property: 42 },
    ...overrides,
  };
}

export function request(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: BodyInit; headers?: Record<string, string> } = {},
): Request {
  const headers = new Headers(options.headers);
  if (options.token !== undefined) headers.set('Authorization', `Bearer ${options.token}`);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  }
  return new Request(`https://api.test${path}`, { method, headers, body });
}

/** Sends a request to the API under test (the Worker in workerd, or the Node server over HTTP); checks the answer against the OpenAPI document. */
export async function send(req: Request): Promise<Response> {
  const copy = req.clone();
  const res = await target.send(req);
  await checkContract(copy, res);
  return res;
}

export function createApp(token: string, body: unknown = seedBody()): Promise<Response> {
  return send(request('POST', '/v1/oauth-apps', { token, body }));
}

/** Sends a request through the same app with some settings replaced (e.g. a broken keyring); checked like send(). */
export async function sendWithEnv(req: Request, overrides: Partial<Bindings>): Promise<Response> {
  const copy = req.clone();
  const res = await target.sendWithEnv(req, overrides);
  await checkContract(copy, res);
  return res;
}

/** Runs the scheduled work (the Worker's cron handler, the Node server's timer job). */
export function runScheduled(now = new Date(), overrides: Partial<Bindings> = {}): Promise<void> {
  return target.runScheduled(now, overrides);
}

/**
 * send() for tests that make hundreds of requests. In workerd, SELF.fetch gets
 * slower with every request one test makes (a harness effect: 1,500 requests
 * took minutes); the Worker's handler called directly, as sendWithEnv() does
 * with the same settings, does not. Node and the libSQL Worker: send().
 * Checked like send().
 */
export function sendMany(req: Request): Promise<Response> {
  // On the libSQL target the direct call would share the test's I/O context
  // (6 connections, libSQL clients created in it): SELF.fetch there.
  return target.name === 'worker' ? sendWithEnv(req, {}) : send(req);
}

/** An app as the API answers it: the typed client's (the document's) type. */
export type AppObject = components['schemas']['OAuthApp'];
type CreateBody = components['schemas']['CreateOAuthAppRequest'];

/** The typed client (@oauth-apps-api/client) as `token`, its requests through send() (contract-checked). */
export function apiAs(token: string): OAuthAppsClient {
  return createOAuthAppsClient({ baseUrl: 'https://api.test', token, fetch: send });
}

/** Creates an app through the API with the typed client and returns it (fails the test unless 200). */
export async function createdApp(token: string, overrides: Partial<CreateBody> = {}): Promise<AppObject> {
  const { data, error, response } = await apiAs(token).POST('/v1/oauth-apps', { body: seedBody(overrides) as CreateBody });
  if (!data) throw new Error(`create answered ${response.status}: ${error?.code} ${error?.summary}`);
  return data;
}

export function getApp(token: string, id: string, query = ''): Promise<Response> {
  return send(request('GET', `/v1/oauth-apps/${id}${query}`, { token }));
}

export function patchApp(
  token: string,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return send(request('PATCH', `/v1/oauth-apps/${id}`, { token, body, headers }));
}

export function deleteApp(token: string, id: string): Promise<Response> {
  return send(request('DELETE', `/v1/oauth-apps/${id}`, { token }));
}

export async function listApps(token: string, query: Record<string, string> = {}): Promise<Response> {
  const qs = new URLSearchParams(query).toString();
  return send(request('GET', `/v1/oauth-apps${qs ? `?${qs}` : ''}`, { token }));
}

/** The stored row, read with plain SQL. */
export async function rawRow(id: string): Promise<Record<string, unknown> | null> {
  return env.DB.prepare('SELECT * FROM oauth_apps WHERE id = ?').bind(id).first<Record<string, unknown>>();
}
