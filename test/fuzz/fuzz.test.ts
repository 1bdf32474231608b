// Property-based fuzzing (fast-check) of every endpoint: generated methods,
// paths, query strings, headers and bodies. For every case:
//   - no 5xx;
//   - the answer is what the OpenAPI document allows (send() checks it: a
//     documented status, a body of the documented shape — the error shape for errors);
//   - a refused request (4xx) changes nothing: a snapshot of the apps, their
//     metadata index, events, accounts (and app counts) and tokens is the same after it;
//   - a HEAD changes nothing, whatever it answers (it never decrypts nor records a reveal);
//   - the client_secret it sent is in neither its answer nor (after the file) any log line;
//   - afterwards, the trail holds exactly one reveal event per answer that carried secrets.
// Cases: 5,000 on the Worker and 5,000 on Node. A failure
// prints its seed and path; keep them in regressions.ts, which replays each one first.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdApp, env, newCaller, sendMany, targetInfo, type TestToken } from '../support/fixtures';
import { rememberSecret } from '../support/log-capture';
import { fuzzRequest, type FuzzRequest } from './arbitraries';
import { REGRESSIONS } from './regressions';
import { SECRET_MASK } from '../../src/oauth-apps/oauth-apps.schemas';

// Cases per target (worker and node; vitest.config.ts says why not worker-libsql).
const RUNS = 5000;

let owner: TestToken;
let reader: TestToken;
let operator: TestToken;
let known: string[];
let cases = 0;
/** Answers that carried at least one plaintext secret (each must have recorded one reveal event). */
let disclosures = 0;

beforeAll(async () => {
  owner = await newCaller(['oauth_apps:read', 'oauth_apps:write', 'oauth_apps:secrets']);
  reader = await newCaller(['oauth_apps:read']);
  operator = await newCaller(['keys:manage']);
  known = [(await createdApp(owner.token)).id, (await createdApp(owner.token)).id, (await createdApp(owner.token)).id];
}, 60_000);

afterAll(() => {
  console.log(`fuzz (${targetInfo.name}): ${cases} generated requests (${disclosures} answers carried secrets), no 5xx, every answer as documented`);
});

/**
 * A fingerprint of everything a refused request must leave as it was, in one
 * statement: every write to an app moves its count, version sum, a time or
 * the lengths of what it holds; events and accounts move their counts; tokens
 * their revocations. (Idempotency records aside: a keyed 4xx answer is kept
 * for its replay, by design; and a token's last-used time.)
 */
async function snapshot(): Promise<string> {
  const row = await env.DB.prepare(
    `SELECT
       (SELECT json_array(count(*), total(version), max(updated_at), max(health_time),
          total(length(name) + length(client_id) + length(metadata) + length(client_secret_ciphertext) + length(health_notes)),
          group_concat(health_status || client_secret_key_id, '')) FROM oauth_apps) AS apps,
       (SELECT json_array(count(*), max(seq)) FROM audit_events) AS events,
       (SELECT json_array(count(*), total(app_count)) FROM accounts) AS accounts,
       (SELECT json_array(count(*), total(length(key) + ifnull(length(value), 0))) FROM oauth_app_metadata) AS metadata_index,
       (SELECT json_array(count(*), count(revoked_at), group_concat(scopes, '')) FROM api_tokens) AS tokens`,
  ).first();
  return JSON.stringify(row);
}

function toRequest(r: FuzzRequest): Request {
  const url = new URL(`https://api.test${r.path}`);
  for (const [k, v] of r.query) url.searchParams.append(k, v);
  const headers = new Headers(r.headers);
  let body: string | undefined;
  if (r.body.kind === 'json') body = JSON.stringify(r.body.value) ?? 'null';
  if (r.body.kind === 'raw') body = r.body.text;
  return new Request(url, { method: r.method, headers, body });
}

async function check(r: FuzzRequest): Promise<void> {
  cases++;
  if (r.secret) rememberSecret(r.secret);
  const before = await snapshot();
  const res = await sendMany(toRequest(r)); // throws if the answer is not as documented
  const text = await res.text();
  expect(res.status, `${r.method} ${r.path}: ${text}`).toBeLessThan(500);
  if (r.secret) expect(text.includes(r.secret), 'the sent secret came back').toBe(false);
  if (res.status >= 400 || r.method === 'HEAD') {
    expect(await snapshot(), `${r.method} ${r.path} → ${res.status} changed the database`).toBe(before);
  }
  if (r.method === 'GET' && res.status === 200 && carriesSecrets(JSON.parse(text))) disclosures++;
}

/** Whether an answer shows any plaintext secret: an app, or a page of them, with client_secret other than the mask and null. */
function carriesSecrets(body: unknown): boolean {
  const shown = (app: unknown) => {
    const secret = (app as { client_secret?: unknown } | null)?.client_secret;
    return typeof secret === 'string' && secret !== SECRET_MASK;
  };
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data.some(shown) : shown(body);
}

const property = () =>
  fc.asyncProperty(fuzzRequest(known, [owner.token, owner.token, owner.token, reader.token, operator.token]), check);

describe('fuzzing every endpoint', () => {
  // Not a timed test: a replay may probe a provider (verify), and under a loaded CI machine
  // one run took over vitest's default 5 s (910 ms alone).
  it('replays the kept failures first', async () => {
    for (const { seed, path } of REGRESSIONS) await fc.assert(property(), { seed, path, endOnFailure: true });
  }, 120_000);

  it(`${RUNS} generated requests: no 5xx, documented answers, refusals change nothing, no secret echoed`, async () => {
    await fc.assert(property(), { numRuns: RUNS, endOnFailure: true });
  }, 600_000);

  it('afterwards, the trail holds one reveal event per answer that carried secrets, and every app it names has its link', async () => {
    const reveals = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'oauth_app.secret_revealed'").first<{ n: number }>();
    expect(disclosures).toBeGreaterThan(0);
    expect(reveals!.n).toBe(disclosures);
    const unlinked = await env.DB.prepare(
      `SELECT count(*) AS n FROM audit_events e, json_each(e.app_ids) a
        WHERE NOT EXISTS (SELECT 1 FROM audit_event_apps l WHERE l.account_id = e.account_id AND l.app_id = a.value AND l.event_seq = e.seq)`,
    ).first<{ n: number }>();
    expect(unlinked!.n).toBe(0);
  });

  it('afterwards, the app counts and the metadata index agree with the apps', async () => {
    const count = async (sql: string) => (await env.DB.prepare(sql).first<{ n: number }>())!.n;
    // Every account's counter is its number of apps.
    expect(await count('SELECT count(*) AS n FROM accounts a WHERE a.app_count != (SELECT count(*) FROM oauth_apps o WHERE o.account_id = a.id)')).toBe(0);
    // Every indexable top-level entry of every app's metadata has its index row, and no index row is left without one.
    expect(
      await count(`SELECT count(*) AS n FROM oauth_apps a, json_each(a.metadata) m
        WHERE length(m.key) <= 255 AND (m.type NOT IN ('text', 'array', 'object') OR length(m.value) <= 512)
          AND NOT EXISTS (SELECT 1 FROM oauth_app_metadata x WHERE x.app_id = a.id AND x.key = m.key AND x.value IS m.value)`),
    ).toBe(0);
    expect(
      await count(`SELECT count(*) AS n FROM oauth_app_metadata x
        WHERE NOT EXISTS (SELECT 1 FROM oauth_apps a, json_each(a.metadata) m WHERE a.id = x.app_id AND m.key = x.key)`),
    ).toBe(0);
  });
});
