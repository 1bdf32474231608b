// How the key commands reach the runtime that holds the keys: over HTTP, to
// the local `npm run dev` (default), the local Node server (--node), or a
// deployment (--url, with an operator token). Locally a short-lived
// keys:manage token is minted in the local database, so nothing needs setting up.
import { createOAuthAppsClient, type ApiErrorBody, type components, type OAuthAppsClient } from '../../packages/client/src/index';
import { DEFAULT_NODE_PORT } from '../../src/node/config';
import { UsageError } from './cli';
import { DEV_PORT } from './dev-settings';
import { d1Store, libsqlStore } from './store';
import { ensureToken } from './tokens';

export interface OperatorTarget {
  baseUrl: string;
  token: string;
  description: string;
}

export const OPERATOR_TOKEN_ENV = 'OAUTH_APPS_OPERATOR_TOKEN';
const LOCAL_OPERATOR_ACCOUNT = 'operator';
const LOCAL_TOKEN_LIFETIME_MS = 60 * 60_000;

export const targetUsage = `  --local        the local \`npm run dev\` on http://localhost:${DEV_PORT} (the default)
  --node         the local Node server (\`npm run start:node\`) on http://127.0.0.1:$PORT (default ${DEFAULT_NODE_PORT}); --libsql is the same
  --url <base>   a deployment, e.g. https://oauth-apps.example.workers.dev, with a keys:manage token
                 in $${OPERATOR_TOKEN_ENV} (npm run token:create -- --remote --account operator --scopes keys:manage --expires 1h)`;

export async function operatorTarget(flags: { url?: string | undefined; local?: boolean | undefined; node?: boolean | undefined; libsql?: boolean | undefined }): Promise<OperatorTarget> {
  const node = flags.node === true || flags.libsql === true;
  const named = [flags.local && '--local', node && '--node', flags.url !== undefined && '--url'].filter(Boolean);
  if (named.length > 1) throw new UsageError(`${named.join(' and ')} exclude each other`);
  if (flags.url !== undefined) {
    let base: URL;
    try {
      base = new URL(flags.url);
    } catch {
      throw new UsageError(`--url must be a URL, e.g. https://oauth-apps.example.workers.dev`);
    }
    const token = process.env[OPERATOR_TOKEN_ENV];
    if (!token) throw new Error(`set ${OPERATOR_TOKEN_ENV} to an API token with the keys:manage scope`);
    return { baseUrl: base.origin, token, description: base.origin };
  }
  const local = node
    ? { store: await libsqlStore(), baseUrl: `http://127.0.0.1:${process.env.PORT || DEFAULT_NODE_PORT}` }
    : { store: await d1Store({ remote: false }), baseUrl: `http://localhost:${DEV_PORT}` };
  try {
    const { token } = await ensureToken(
      { account: LOCAL_OPERATOR_ACCOUNT, scopes: ['keys:manage'], expiresAt: new Date(Date.now() + LOCAL_TOKEN_LIFETIME_MS) },
      local.store,
    );
    return { baseUrl: local.baseUrl, token, description: `${local.baseUrl} (${local.store.description})` };
  } finally {
    await local.store.close();
  }
}

const RETRIES = 5;

/** fetch, retrying a dropped connection, 429 and 503 with backoff; each attempt at most 60 s. */
async function retryingFetch(request: Request): Promise<Response> {
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(request.url, { method: request.method, headers: request.headers, body, signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      if (attempt < RETRIES) {
        await backoff(attempt);
        continue;
      }
      throw new Error(`cannot reach ${new URL(request.url).origin} (${err instanceof Error ? err.message : String(err)}): is the server running?`);
    }
    if ((res.status === 429 || res.status === 503) && attempt < RETRIES) {
      await res.body?.cancel();
      await backoff(attempt);
      continue;
    }
    return res;
  }
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, 250 * 2 ** attempt));

/** The typed client (@oauth-apps-api/client) for the target, with retries. */
export function operatorClient(target: OperatorTarget): OAuthAppsClient {
  return createOAuthAppsClient({ baseUrl: target.baseUrl, token: target.token, fetch: retryingFetch });
}

/** An answer's data, or an error naming the call, its status and the API's code and summary. */
export function answered<T>(what: string, result: { data?: T; error?: ApiErrorBody; response: Response }): T {
  if (result.data !== undefined) return result.data;
  const reason = result.error ? `${result.error.code}: ${result.error.summary}` : 'no JSON answer';
  throw new Error(`${what} answered ${result.response.status}: ${reason}`);
}

// What the key endpoints answer, as the document says (src/keys/keys.routes.ts).
export type KeyStatusAnswer = components['schemas']['KeyStatus'];
export type RotateAnswer = components['schemas']['Rotation'];
