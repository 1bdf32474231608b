// @oauth-apps-api/client: a typed client for the OAuth apps API. openapi-fetch
// over the types openapi-typescript generates from the OpenAPI document
// (./api.ts, written by the repository's npm run openapi). Paths, parameters,
// bodies, answers and error codes are checked by the compiler.
//
//   const api = createOAuthAppsClient({ baseUrl: 'https://…', token });
//   const { data, error } = await api.POST('/v1/oauth-apps', { body: { … } });
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api.js';

export type { components, paths };
export type OAuthApp = components['schemas']['OAuthApp'];
export type ApiErrorBody = components['schemas']['ErrorResponse'];
export type ErrorCode = ApiErrorBody['code'];
export type OAuthAppsClient = Client<paths>;

export interface ClientOptions {
  /** Where the API is, e.g. http://localhost:8787 */
  baseUrl: string;
  /** An API token (oat_…). */
  token: string;
  /** A fetch to send with (tests pass the Worker's own); default: the global fetch. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * Query strings as the API reads them: numbers and booleans as their text, a
 * JSON-object parameter (the list's metadata filter) as its JSON text, as the
 * document says (content: application/json), URL-encoded.
 */
export function serializeQuery(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return params.toString();
}

export function createOAuthAppsClient(options: ClientOptions): OAuthAppsClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    querySerializer: serializeQuery,
    headers: { Authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
