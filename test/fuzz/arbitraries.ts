// What the fuzzer throws at the API: requests to every endpoint (and to
// paths that are none), with generated methods, query strings, headers and
// bodies — mostly malformed, some valid, so both paths are walked.
import fc from 'fast-check';
import { PROVIDER_IDS } from '../../src/providers/providers';

export interface FuzzRequest {
  method: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string };
  /** The client_secret this request carries, if any (it must never come back). */
  secret?: string;
}

/** What a header value can hold (fetch refuses the rest before it leaves). */
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
/** Secrets the fuzzer sends are marked, so an answer or log line holding one is recognised. */
const secret = fc.string({ minLength: 6, maxLength: 40 }).map((s) => `fz-${s}-${crypto.randomUUID().slice(0, 8)}`);
const appId = (known: string[]) =>
  fc.oneof(fc.constantFrom(...known), fc.uuid(), anyText.map(encodeURIComponent), fc.constant('%00'), fc.constant('..%2F..'));

const path = (known: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant('/v1/oauth-apps') },
    { weight: 4, arbitrary: appId(known).map((id) => `/v1/oauth-apps/${id}`) },
    appId(known).map((id) => `/v1/oauth-apps/${id}/verify`),
    fc.constant('/v1/events'),
    fc.constant('/v1/providers'),
    fc.constant('/v1/encryption-keys'),
    fc.constant('/v1/encryption-keys/rotate'),
    fc.constant('/openapi.json'),
    fc.array(anyText.map(encodeURIComponent), { maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  );

const QUERY_KEYS = ['limit', 'starting_after', 'provider', 'health.status', 'metadata', 'truncate_secrets', 'app_id', 'action', 'verify'];
const queryValue = fc.oneof(
  anyText,
  fc.integer({ min: -5, max: 500 }).map(String),
  fc.constantFrom('true', 'false', 'ok', 'warn', 'error', 'stripe', '{"a":1}', '[]', '{', 'oauth_app.created'),
  fc.uuid(),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
);
/**
 * JSON text of a value a metadata filter (or metadata) may hold: plain values,
 * and what JSON.stringify never writes: numbers that overflow or lose
 * precision, lone surrogates, deep nesting, long strings.
 */
const hostileJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  fc.constantFrom('1e999', '-1e999', '9007199254740993', '-9007199254740992', '9007199254740991', '1e300', '5e-324', '1.0', '-0'),
  fc.constantFrom('"\\ud800"', '"x\\udc00"', '"\\ud83d\\ude00"', '"\\udbff\\udbff"', '{"a":{"b":["\\ud800"]}}', '[1,[2,[3,[1e999]]]]'),
  fc.integer({ min: 1, max: 40 }).map((depth) => `${'['.repeat(depth)}1${']'.repeat(depth)}`),
  fc.integer({ min: 400, max: 700 }).map((n) => JSON.stringify('v'.repeat(n))),
  fc.string({ unit: 'binary', maxLength: 20 }).map((t) => JSON.stringify(t)),
);
const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }).map((k) => JSON.stringify(k)) },
  fc.constantFrom('"\\ud800"', '"__proto__"', '""', `"${'k'.repeat(256)}"`, '"team"', '"tier"'),
  fc.string({ unit: 'binary', maxLength: 8 }).map((k) => JSON.stringify(k)),
);
/** An object's JSON text from hostile keys and values: up to 60 entries (past every limit). */
const hostileObject = fc
  .array(fc.tuple(hostileKey, hostileJson), { maxLength: 60 })
  .map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`);

const query = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_KEYS) }, anyText), queryValue) },
    // Reveals, often: what the audit trail must record exactly once per answer that carries secrets.
    { weight: 2, arbitrary: fc.constant(['truncate_secrets', 'false'] as [string, string]) },
    fc.tuple(fc.constant('metadata'), hostileObject),
  ),
  { maxLength: 4 },
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'Application/JSON', ''),
  fc.constant(null).chain(() => printable),
);

const appBody = fc.record(
  {
    provider: fc.oneof(fc.constantFrom(...PROVIDER_IDS), anyText, fc.jsonValue()),
    client_id: fc.oneof(anyText, fc.jsonValue(), fc.string({ minLength: 1 })),
    client_secret: fc.oneof({ weight: 3, arbitrary: secret }, fc.constant('**********'), fc.jsonValue()),
    name: fc.oneof(anyText, fc.jsonValue()),
    metadata: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), fc.constant(null)),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 5, arbitrary: appBody.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => ({ kind: 'json' as const, value })) },
  fc.record({ limit: fc.jsonValue() }, { requiredKeys: [] }).map((value) => ({ kind: 'json' as const, value })),
  fc.oneof(anyText, fc.constantFrom('{', '{"a":', '\uFEFF{}', 'null', '[]', '{"__proto__":{}}')).map((text) => ({ kind: 'raw' as const, text })),
  // A create or PATCH body whose metadata, name or secret JSON.stringify could never write.
  fc
    .record({ metadata: hostileObject, name: fc.oneof(hostileJson, fc.constant('"n"')), secret })
    .map(({ metadata, name, secret: s }) => ({
      kind: 'raw' as const,
      text: `{"provider":"stripe","client_id":"fz-${crypto.randomUUID()}","client_secret":${JSON.stringify(s)},"name":${name},"metadata":${metadata}}`,
    })),
  hostileObject.map((metadata) => ({ kind: 'raw' as const, text: `{"metadata":${metadata}}` })),
);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/**
 * A well-formed reveal (GET or HEAD, one known app or a page, tokens[0] the
 * owner's with the secrets scope), sometimes with extra query: walked often
 * enough that the trail's one-event-per-disclosing-answer rule is exercised.
 */
function revealRequest(known: string[], tokens: string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'HEAD'),
      path: fc.oneof(fc.constant('/v1/oauth-apps'), fc.constantFrom(...known).map((id) => `/v1/oauth-apps/${id}`)),
      extra: fc.option(fc.tuple(fc.constantFrom('limit', 'provider', 'health.status'), fc.constantFrom('1', '2', 'stripe', 'ok', 'warn')), { nil: undefined }),
      token: fc.constantFrom(...tokens),
    })
    .map((r) => ({
      method: r.method,
      path: r.path,
      query: [['truncate_secrets', 'false'] as [string, string], ...(r.extra ? [r.extra] : [])],
      headers: { Authorization: `Bearer ${r.token}` },
      body: { kind: 'none' as const },
    }));
}

export function fuzzRequest(known: string[], tokens: string[]): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ weight: 9, arbitrary: anyRequest(known, tokens) }, { weight: 1, arbitrary: revealRequest(known, [tokens[0]!, ...tokens]) });
}

function anyRequest(known: string[], tokens: string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') }, fc.constantFrom('HEAD', 'GET', 'PUT', 'OPTIONS')),
      path: path(known),
      query,
      contentType: maybe(contentType),
      authorization: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t}`) },
        fc.constantFrom('', 'Bearer', 'Basic abc', `Bearer oat_${'A'.repeat(43)}`),
        printable,
      ),
      idempotencyKey: maybe(fc.oneof(printable, fc.uuid())),
      ifMatch: maybe(fc.oneof(fc.constantFrom('"v1"', '"v2"', '*', 'W/"v1"', '"v1", "v2"'), printable)),
      bookmark: maybe(fc.oneof(fc.constantFrom('first-primary', 'first-unconstrained', '00000001-00000002-00000003-0123456789abcdef0123456789abcdef'), printable)),
      body,
    })
    .map((r) => {
      const headers: Record<string, string> = { Authorization: r.authorization };
      if (r.contentType !== undefined) headers['Content-Type'] = r.contentType;
      if (r.idempotencyKey !== undefined) headers['Idempotency-Key'] = r.idempotencyKey;
      if (r.ifMatch !== undefined) headers['If-Match'] = r.ifMatch;
      if (r.bookmark !== undefined) headers['x-d1-bookmark'] = r.bookmark;
      const sent = r.body.kind === 'json' ? (r.body.value as { client_secret?: unknown } | null)?.client_secret : undefined;
      return {
        method: r.method,
        path: r.path,
        query: r.query,
        headers,
        body: ['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(r.method) ? { kind: 'none' as const } : r.body,
        ...(typeof sent === 'string' && sent.startsWith('fz-') ? { secret: sent } : {}),
      };
    });
}
