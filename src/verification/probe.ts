// Asking a provider whether it accepts an app's client credentials: one
// authorization_code token request with a random, never-issued code, sent
// with the catalog's client authentication, and the answer classified by the
// provider's dialect (src/providers/providers.ts). Bounded: a timeout that
// covers the whole exchange, no redirect followed, at most MAX_ANSWER_BYTES
// read. Nothing of the answer is kept but its error code, and only when it
// looks like one; its text, and any token it might carry, are dropped here.
import type { Provider } from '../providers/providers';

export const MAX_ANSWER_BYTES = 16 * 1024;

/** Why a verification could not tell. */
export const INCONCLUSIVE_REASONS = [
  'timeout',
  'unreachable',
  'redirected',
  'rate_limited',
  'provider_unavailable',
  'too_large',
  'unrecognized_answer',
  'unexpected_success',
  'secret_undecryptable',
] as const;
export type InconclusiveReason = (typeof INCONCLUSIVE_REASONS)[number];

export type ProbeResult =
  | { status: 'valid' | 'invalid'; providerError: string }
  | { status: 'inconclusive'; reason: InconclusiveReason; providerError?: string };

/** An error code as a provider sends one; anything else is not kept. */
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ProbeRequest {
  url: URL;
  provider: Provider;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/**
 * The probe of a secret that may not have opened: `undefined` (it did not
 * decrypt) is inconclusive without a request.
 */
export function probeSecret(
  endpoint: Pick<ProbeRequest, 'url' | 'provider'>,
  clientId: string,
  clientSecret: string | undefined,
  timeoutSeconds: number,
): Promise<ProbeResult> {
  if (clientSecret === undefined) return Promise.resolve({ status: 'inconclusive', reason: 'secret_undecryptable' });
  return probeTokenEndpoint({ ...endpoint, clientId, clientSecret, timeoutMs: timeoutSeconds * 1000 });
}

/** Random base64url text, for the never-issued code and PKCE verifier. */
function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * HTTP Basic for the client. RFC 6749 2.3.1 form-encodes both parts first,
 * but many providers do not decode them, and a secret with "/" or "+" would
 * then be refused as wrong: a false verdict. So they go as they are, unless
 * the client id holds ":" (which Basic cannot carry otherwise).
 */
function basic(clientId: string, clientSecret: string): string {
  const encode = (s: string) => new URLSearchParams([['', s]]).toString().slice(1);
  const pair = clientId.includes(':') ? `${encode(clientId)}:${encode(clientSecret)}` : `${clientId}:${clientSecret}`;
  const bytes = new TextEncoder().encode(pair);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

export async function probeTokenEndpoint(request: ProbeRequest, fetcher: typeof fetch = fetch): Promise<ProbeResult> {
  const { provider } = request;
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: randomToken(32) });
  if (provider.pkce) form.set('code_verifier', randomToken(48));
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  if (provider.clientAuthentication === 'client_secret_basic') {
    headers.Authorization = basic(request.clientId, request.clientSecret);
  } else {
    form.set('client_id', request.clientId);
    form.set('client_secret', request.clientSecret);
  }
  const signal = AbortSignal.timeout(request.timeoutMs);
  let text: string;
  let status: number;
  try {
    const res = await fetcher(request.url.href, { method: 'POST', headers, body: form.toString(), redirect: 'manual', signal });
    status = res.status;
    if (status >= 300 && status < 400) {
      await res.body?.cancel();
      return { status: 'inconclusive', reason: 'redirected' };
    }
    const read = await readCapped(res);
    if (read === undefined) return { status: 'inconclusive', reason: 'too_large' };
    text = read;
  } catch {
    return { status: 'inconclusive', reason: signal.aborted ? 'timeout' : 'unreachable' };
  }
  if (status === 429) return { status: 'inconclusive', reason: 'rate_limited' };
  if (status >= 500) return { status: 'inconclusive', reason: 'provider_unavailable' };
  return classify(provider, status, text);
}

/** The answer's text, or undefined once it passes MAX_ANSWER_BYTES (the rest is not read). */
async function readCapped(res: Response): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

function classify(provider: Provider, status: number, text: string): ProbeResult {
  const dialect = provider.dialect!;
  let answer: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) answer = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: nothing to classify by.
  }
  const raw = answer[dialect.field];
  const code = typeof raw === 'string' && ERROR_CODE.test(raw) ? raw : undefined;
  if (code !== undefined && dialect.rejected.includes(code)) return { status: 'invalid', providerError: code };
  if (code !== undefined && dialect.accepted.includes(code)) {
    const description = answer.error_description;
    if (dialect.rejectedIfDescription && typeof description === 'string' && dialect.rejectedIfDescription.test(description)) {
      return { status: 'invalid', providerError: code };
    }
    return { status: 'valid', providerError: code };
  }
  // A never-issued code exchanged for a token: whatever this is, it is not the provider we know.
  if (status >= 200 && status < 300 && 'access_token' in answer) return { status: 'inconclusive', reason: 'unexpected_success' };
  return { status: 'inconclusive', reason: 'unrecognized_answer', ...(code === undefined ? {} : { providerError: code }) };
}
