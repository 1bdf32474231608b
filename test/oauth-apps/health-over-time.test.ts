// Health over time: a client secret's expiry (warn, then error, read against
// the clock; the filter agrees; the scheduled run stages and announces each
// crossing), validate on save (?verify=true against the real oidc-provider on
// loopback), the scheduled verification's bounds, and oauth_app.health_changed
// events. The clock is driven through the scheduled run's time and the rules
// the repository reads with. On every target.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AUDIT_ACTIONS } from '../../src/audit/audit-events';
import { loadKeyring } from '../../src/crypto/keyring';
import { healthOf, healthRules, type HealthStatus } from '../../src/oauth-apps/health';
import { findOAuthApp, importOAuthApps, listOAuthApps, listOAuthAppsPage } from '../../src/oauth-apps/oauth-apps.repository';
import { newOAuthAppRow } from '../../src/oauth-apps/oauth-apps.service';
import { stagingQueries } from '../../src/oauth-apps/expiry-schedule';
import { dueVerifications } from '../../src/verification/verification.repository';
import { SCHEDULED_VERIFICATION_CONCURRENCY } from '../../src/verification/scheduled-verification';
import { capturedLogs, rememberSecret } from '../support/log-capture';
import {
  apiAs,
  createdApp,
  db,
  env,
  getApp,
  listApps,
  newCaller,
  newSecret,
  patchApp,
  rawRow,
  request,
  runScheduled,
  send,
  sendWithEnv,
  targetInfo,
  type AppObject,
  type TestToken,
} from '../support/fixtures';
import { testTokenUrls, type TestProviders } from '../support/test-providers';

const providers = JSON.parse(env.TEST_PROVIDERS) as TestProviders;
const { basic, github } = providers.clients;
for (const client of [basic, github]) rememberSecret(client.secret);

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The scheduled run at `now`, the provider sweep off unless asked (other files' apps are in this database). */
const runAt = (now: Date, overrides: Record<string, string> = {}) => runScheduled(now, { VERIFICATION_MAX_AGE_HOURS: '0', ...overrides });

let caller: TestToken;
beforeAll(async () => {
  caller = await newCaller();
});

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}
const shown = async (token: string, id: string) => json<AppObject>(await getApp(token, id));

async function events(token: string, appId: string, action?: (typeof AUDIT_ACTIONS)[number]) {
  const { data } = await apiAs(token).GET('/v1/events', { params: { query: { app_id: appId, ...(action ? { action } : {}) } } });
  return data!.data;
}
const healthChanges = async (token: string, appId: string) =>
  (await events(token, appId, 'oauth_app.health_changed')).map((e) => e.details).reverse();

describe('client_secret_expires_at: health warns before, errors after', () => {
  it('is accepted with a zone, normalized, shown; null or omitted is never', async () => {
    const expires = '2030-06-30T02:00:00+02:00';
    const app = await createdApp(caller.token, { client_secret_expires_at: expires });
    expect(app.client_secret_expires_at).toBe('2030-06-30T00:00:00Z');
    expect(app.health).toMatchObject({ status: 'ok', notes: [] });
    expect((await createdApp(caller.token)).client_secret_expires_at).toBeNull();
    expect((await createdApp(caller.token, { client_secret_expires_at: null })).client_secret_expires_at).toBeNull();
  });

  for (const bad of ['2030-02-30T00:00:00Z', '2030-06-30', '2030-06-30T00:00:00', 'tomorrow', '1999-12-31T23:59:59Z', 42]) {
    it(`refuses ${JSON.stringify(bad)} with 422, writing nothing`, async () => {
      const owner = await newCaller();
      const res = await send(request('POST', '/v1/oauth-apps', { token: owner.token, body: { provider: 'stripe', client_id: 'x', client_secret: newSecret(), name: 'n', client_secret_expires_at: bad } }));
      const body = await json<{ code: string; validation_errors: Record<string, string[]> }>(res, 422);
      expect(body.code).toBe('validation_failed');
      expect(Object.keys(body.validation_errors)).toEqual(['client_secret_expires_at']);
      expect((await json<{ data: unknown[] }>(await listApps(owner.token))).data).toEqual([]);
    });
  }

  it('warn within 30 days, naming the date; error once passed; the PATCHes that move it announce each change', async () => {
    const owner = await newCaller();
    const app = await createdApp(owner.token);
    const soon = Date.now() + 10 * DAY + 3_600_000;
    const warned = await json<AppObject>(await patchApp(owner.token, app.id, { client_secret_expires_at: new Date(soon).toISOString() }));
    expect(warned.health.status).toBe('warn');
    expect(warned.health.notes).toEqual([`The client secret expires at ${at(soon)}, in 11 days: set a new client_secret before then.`]);
    const passed = Date.now() - 3_600_000;
    const expired = await json<AppObject>(await patchApp(owner.token, app.id, { client_secret_expires_at: new Date(passed).toISOString() }));
    expect(expired.health.status).toBe('error');
    expect(expired.health.notes).toEqual([`The client secret expired at ${at(passed)}. Set a new client_secret (and its client_secret_expires_at).`]);
    expect((await rawRow(app.id))!.expiry_stage).toBe('error');
    // A new secret without an expiry: not known, so none; health ok again.
    const renewed = await json<AppObject>(await patchApp(owner.token, app.id, { client_secret: newSecret() }));
    expect(renewed.client_secret_expires_at).toBeNull();
    expect(renewed.health).toMatchObject({ status: 'ok', notes: [] });
    expect(await healthChanges(owner.token, app.id)).toEqual([
      { previous_status: 'ok', status: 'warn' },
      { previous_status: 'warn', status: 'error' },
      { previous_status: 'error', status: 'ok' },
    ]);
    const [updated] = await events(owner.token, app.id, 'oauth_app.updated');
    expect(updated!.details.fields).toEqual(['client_secret', 'client_secret_expires_at']);
  });

  it('SECRET_EXPIRY_WARNING_DAYS moves the warning (0: only the error)', async () => {
    const owner = await newCaller();
    const app = await createdApp(owner.token, { client_secret_expires_at: new Date(Date.now() + 10 * DAY).toISOString() });
    const read = (days: string) => sendWithEnv(request('GET', `/v1/oauth-apps/${app.id}`, { token: owner.token }), { SECRET_EXPIRY_WARNING_DAYS: days });
    expect((await json<AppObject>(await read('0'))).health.status).toBe('ok');
    expect((await json<AppObject>(await read('5'))).health.status).toBe('ok');
    expect((await json<AppObject>(await read('11'))).health.status).toBe('warn');
  });

  it('the scheduled run announces each crossing, once, at its time; health reads the clock meanwhile', async () => {
    const owner = await newCaller();
    const now = Date.now();
    const expiresAt = now + 40 * DAY;
    const app = await createdApp(owner.token, { client_secret_expires_at: new Date(expiresAt).toISOString() });
    await runAt(new Date(now + 5 * DAY));
    expect(await healthChanges(owner.token, app.id)).toEqual([]);
    expect((await rawRow(app.id))!.expiry_stage).toBeNull();

    const intoWarning = new Date(now + 11 * DAY);
    await runAt(intoWarning);
    expect((await rawRow(app.id))!.expiry_stage).toBe('warn');
    const [warned] = await events(owner.token, app.id, 'oauth_app.health_changed');
    expect(warned).toMatchObject({ details: { previous_status: 'ok', status: 'warn' }, token_id: null, created_at: intoWarning.toISOString() });
    expect(warned!.request_id).toMatch(/^run_/);
    await runAt(new Date(now + 12 * DAY)); // nothing new to announce
    expect(await healthChanges(owner.token, app.id)).toHaveLength(1);

    await runAt(new Date(expiresAt + 1000));
    expect((await rawRow(app.id))!.expiry_stage).toBe('error');
    expect(await healthChanges(owner.token, app.id)).toEqual([
      { previous_status: 'ok', status: 'warn' },
      { previous_status: 'warn', status: 'error' },
    ]);
    // What the rows say at that time, read against the clock of then.
    const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
    const row = (await findOAuthApp(db(), owner.accountId, app.id))!;
    expect(healthOf(row, healthRules(keyring, 30, new Date(expiresAt + 1000))).status).toBe('error');
    expect(healthOf(row, healthRules(keyring, 30, new Date(now + 11 * DAY))).status).toBe('warn');
  });

  it('the filter agrees with the shown health at any clock, staged or not, and after the warning shrinks', async () => {
    const owner = await newCaller();
    const base = Date.now();
    const offsets = [null, 100, 45, 29, 20, 5, 1, -1, -30, null, 60, 15];
    const apps: AppObject[] = [];
    for (const days of offsets) {
      apps.push(await createdApp(owner.token, { client_secret_expires_at: days === null ? null : new Date(base + days * DAY).toISOString() }));
    }
    // One of them under another cause too: the provider rejected it.
    await env.DB.prepare("UPDATE oauth_apps SET verification_status = 'invalid', verification_time = ?, verification_provider_error = 'invalid_client' WHERE id = ?")
      .bind(new Date(base).toISOString(), apps[3]!.id)
      .run();
    const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
    const check = async (clock: number, warningDays: number) => {
      const rules = healthRules(keyring, warningDays, new Date(clock));
      const rows = await Promise.all(apps.map(async (a) => (await findOAuthApp(db(), owner.accountId, a.id))!));
      for (const status of ['ok', 'warn', 'error'] as HealthStatus[]) {
        const expected = rows.filter((r) => healthOf(r, rules).status === status).map((r) => r.id);
        const listed: string[] = [];
        let after: string | undefined;
        // Paged by 2: each once, in list order.
        for (;;) {
          const page = await listOAuthAppsPage(db(), owner.accountId, { health: { status, rules } }, after, 3);
          listed.push(...page.slice(0, 2).map((r) => r.id));
          if (page.length <= 2) break;
          after = page[1]!.id;
        }
        const newestFirst = rows
          .filter((r) => expected.includes(r.id))
          .sort((x, y) => (x.createdAt === y.createdAt ? (x.id < y.id ? 1 : -1) : x.createdAt < y.createdAt ? 1 : -1))
          .map((r) => r.id);
        expect(listed, `${status} at +${(clock - base) / DAY} days, warning ${warningDays}`).toEqual(newestFirst);
      }
    };
    // Unstaged (as created): the clock moves, nothing is written.
    for (const days of [0, 10, 30, 50]) await check(base + days * DAY, 30);
    // Staged by the scheduled run at +10 days, then read at other clocks and warnings.
    await runAt(new Date(base + 10 * DAY));
    const staged = await Promise.all(apps.map(async (a) => (await rawRow(a.id))!.expiry_stage));
    expect(staged).toEqual([null, null, null, 'warn', 'warn', 'error', 'error', 'error', 'error', null, null, 'warn']);
    for (const [days, warning] of [[10, 30], [25, 30], [10, 3], [10, 0], [60, 30]] as const) await check(base + days * DAY, warning);
    // The warning shrinks to 3 days: the run un-stages what left it.
    await runAt(new Date(base + 10 * DAY), { SECRET_EXPIRY_WARNING_DAYS: '3' });
    await check(base + 10 * DAY, 3);
    const stages = await Promise.all(apps.map(async (a) => (await rawRow(a.id))!.expiry_stage));
    // +29, +20 and +15 days left the 3-day warning; +5 and +1 passed.
    expect(stages).toEqual([null, null, null, null, null, 'error', 'error', 'error', 'error', null, null, null]);
  });
});

describe('the health filter with expiries: rows read, not rows held (D1 meta.rows_read)', () => {
  it.runIf(targetInfo.name === 'worker')('300 apps in the warning and 5 fine: the ok page reads the 5, the error page its one', async () => {
    const owner = await newCaller();
    const keyring = await loadKeyring(env.ENCRYPTION_KEYRING);
    const now = new Date();
    const rules = healthRules(keyring, 30, now);
    const rows = [];
    for (let i = 0; i < 305; i++) {
      const expires = i < 300 ? new Date(now.getTime() + 10 * DAY).toISOString() : i === 300 ? new Date(now.getTime() - DAY).toISOString() : null;
      const input = { provider: 'stripe', client_id: `c${i}`, client_secret: newSecret(), name: 'n', client_secret_expires_at: expires };
      rows.push(await newOAuthAppRow(keyring, owner.accountId, input as never, new Date(now.getTime() - (305 - i) * 1000), rules));
    }
    await importOAuthApps(db(), rows);
    const read = async (status: HealthStatus) => {
      const { sql, params } = listOAuthApps(db(), owner.accountId, { health: { status, rules } }, undefined, 101).toSQL();
      const res = (await env.DB.prepare(sql).bind(...params).all()) as unknown as { results: unknown[]; meta: { rows_read: number } };
      return { listed: res.results.length, rowsRead: res.meta.rows_read };
    };
    const ok = await read('ok');
    const error = await read('error');
    const warn = await read('warn');
    console.log(`rows read with 300 apps in the warning: ok page ${ok.rowsRead} (4 listed), error page ${error.rowsRead} (1), warn page ${warn.rowsRead} (101)`);
    expect([ok.listed, error.listed, warn.listed]).toEqual([4, 1, 101]);
    // The 300 warned rows are under the same key, in another stage prefix of the index: the ok walk never reaches them.
    expect(ok.rowsRead).toBeLessThan(40);
    expect(error.rowsRead).toBeLessThan(20);
    // The warn page: about five reads per row listed (the index entry, the row for the live
    // terms, the union's and the page's sorts, the fetch by id): the page's size, not the account's.
    expect(warn.rowsRead).toBeLessThan(6 * 101);
  });
});

describe('the scheduled reads: each on a partial index of only the rows it needs', () => {
  const plan = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql, params } = query.toSQL();
    const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
    return rows.results.map((r) => r.detail).join(' | ');
  };
  it('expiry staging: unstaged and warned expiries, in expiry order, no scan, no sort', async () => {
    const queries = stagingQueries(db(), healthRules(await loadKeyring(env.ENCRYPTION_KEYRING)), 100);
    expect(await plan(queries.unstaged)).toMatch(/^SEARCH oauth_apps USING INDEX oauth_apps_unstaged_expiry_idx \(client_secret_expires_at>\? AND client_secret_expires_at<\?\)$/);
    expect(await plan(queries.passed)).toMatch(/^SEARCH oauth_apps USING INDEX oauth_apps_warned_expiry_idx \(client_secret_expires_at<\?\)$/);
    expect(await plan(queries.unwarned)).toMatch(/^SEARCH oauth_apps USING INDEX oauth_apps_warned_expiry_idx \(client_secret_expires_at>\?\)$/);
  });
  it('re-verification claim: the due index, the longest unasked first, no scan, no sort', async () => {
    // The claim's UPDATE takes these ids by primary key. (Its own EXPLAIN is not read here: on
    // the Node libSQL client an EXPLAIN of UPDATE ... RETURNING leaves its statement open.)
    const detail = await plan(dueVerifications(db(), new Date(), 20));
    expect(detail).toBe('SEARCH oauth_apps USING INDEX oauth_apps_verification_due_idx (verification_attempted_at<?)');
  });
});

describe('validate on save: ?verify=true asks the provider before anything is written', () => {
  const body = (secret: string) => ({ provider: 'quickbooks', client_id: basic.id, client_secret: secret, name: 'Books' });
  const create = (token: string, b: unknown, headers: Record<string, string> = {}, query = '?verify=true') =>
    send(request('POST', `/v1/oauth-apps${query}`, { token, body: b, headers }));

  it('a rejected secret: 422 credentials_rejected, no row, no event, and the key stays usable for the corrected retry', async () => {
    const owner = await newCaller();
    const wrong = newSecret();
    rememberSecret(wrong);
    const key = `save-${crypto.randomUUID()}`;
    const refused = await json<{ code: string; provider_error: string; validation_errors: Record<string, string[]>; summary: string }>(
      await create(owner.token, body(wrong), { 'Idempotency-Key': key }),
      422,
    );
    expect(refused.code).toBe('credentials_rejected');
    expect(refused.provider_error).toBe('invalid_client');
    expect(Object.keys(refused.validation_errors)).toEqual(['client_secret']);
    expect((await json<{ data: unknown[] }>(await listApps(owner.token))).data).toEqual([]);
    const { data: trail } = await apiAs(owner.token).GET('/v1/events', {});
    expect(trail!.data).toEqual([]);
    expect(await env.DB.prepare('SELECT count(*) AS n FROM idempotency_keys WHERE account_id = ?').bind(owner.accountId).first('n')).toBe(0);
    // The same key, the corrected secret: saved, verified.
    const saved = await create(owner.token, body(basic.secret), { 'Idempotency-Key': key });
    const etag = saved.headers.get('ETag');
    const app = await json<AppObject>(saved);
    expect(etag).toBe('"v1"');
    expect(app.verification).toMatchObject({ status: 'valid', provider_error: 'invalid_grant' });
    expect(app.health.status).toBe('ok');
    expect((await events(owner.token, app.id)).map((e) => e.action).reverse()).toEqual(['oauth_app.created', 'oauth_app.verified']);
    // And then it replays, as any stored answer does.
    const replay = await create(owner.token, body(basic.secret), { 'Idempotency-Key': key });
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await replay.text()).toBe(JSON.stringify(app));
    // The same key without verify=true is another request.
    expect((await json<{ code: string }>(await create(owner.token, body(basic.secret), { 'Idempotency-Key': key }, ''), 422)).code).toBe('idempotency_key_reused');
    expect(capturedLogs()).not.toContain(wrong);
  });

  it('PATCH with a rejected secret changes nothing: row, version, events', async () => {
    const owner = await newCaller();
    const app = await json<AppObject>(await create(owner.token, body(basic.secret)));
    const before = await rawRow(app.id);
    const wrong = newSecret();
    rememberSecret(wrong);
    const res = await send(request('PATCH', `/v1/oauth-apps/${app.id}?verify=true`, { token: owner.token, body: { client_secret: wrong, name: 'renamed' } }));
    expect((await json<{ code: string }>(res, 422)).code).toBe('credentials_rejected');
    expect(await rawRow(app.id)).toEqual(before);
    expect(await events(owner.token, app.id)).toHaveLength(2);
    // The right one goes through, with its verdict.
    const ok = await json<AppObject>(
      await send(request('PATCH', `/v1/oauth-apps/${app.id}?verify=true`, { token: owner.token, body: { client_secret: basic.secret, name: 'renamed' } })),
    );
    expect(ok).toMatchObject({ name: 'renamed', verification: { status: 'valid' } });
  });

  it('inconclusive (the provider is down) saves, with the verdict and its note', async () => {
    const owner = await newCaller();
    const app = await json<AppObject>(await create(owner.token, { provider: 'stripe', client_id: 'ca_down', client_secret: newSecret(), name: 'S' }));
    expect(app.verification).toMatchObject({ status: 'inconclusive', reason: 'unreachable' });
    expect(app.health.status).toBe('ok');
    expect(app.health.notes[0]).toMatch(/could not tell whether the provider accepts the client credentials: the provider could not be reached/);
  });

  it('an unprobeable provider or a spent budget: refused before anything is written; verify=maybe is a 422', async () => {
    const owner = await newCaller();
    const servicenow = { provider: 'servicenow', client_id: 'x', client_secret: newSecret(), name: 'N', provider_settings: { instance: 'acme' } };
    expect((await json<{ code: string }>(await create(owner.token, servicenow), 422)).code).toBe('verification_unsupported');
    const spent = await sendWithEnv(request('POST', '/v1/oauth-apps?verify=true', { token: owner.token, body: body(basic.secret) }), {
      VERIFICATIONS_PER_ACCOUNT_PER_HOUR: '0',
    });
    expect((await json<{ code: string }>(spent, 429)).code).toBe('verification_budget_spent');
    const bad = await json<{ code: string; validation_errors: Record<string, string[]> }>(await create(owner.token, body(basic.secret), {}, '?verify=maybe'), 422);
    expect(bad.validation_errors).toEqual({ verify: ['must be true or false'] });
    expect((await json<{ data: unknown[] }>(await listApps(owner.token))).data).toEqual([]);
  });
});

describe('scheduled verification: verdicts older than VERIFICATION_MAX_AGE_HOURS, bounded', () => {
  /** Apps of fresh accounts (a client is unique per account), their verdict planted as given and attempted long ago, oldest first. */
  async function dueApps(n: number, provider: 'quickbooks' | 'github', secret: (i: number) => string, verdict = 'valid') {
    const made: { owner: TestToken; app: AppObject }[] = [];
    for (let i = 0; i < n; i++) {
      const owner = await newCaller();
      const client = provider === 'github' ? github : basic;
      const app = await createdApp(owner.token, { provider, client_id: client.id, client_secret: secret(i) });
      await env.DB.prepare("UPDATE oauth_apps SET verification_status = ?, verification_time = ?, verification_attempted_at = ? WHERE id = ?")
        .bind(verdict, '2000-01-01T00:00:00.000Z', `2000-01-01T00:00:0${i}.000Z`, app.id)
        .run();
      made.push({ owner, app });
    }
    return made;
  }

  it('takes at most SCHEDULED_VERIFICATIONS_PER_RUN apps a run, the longest unasked first; neither the per-app minute nor the account budget is spent', async () => {
    const apps = await dueApps(5, 'quickbooks', () => basic.secret);
    const now = new Date(Date.now() + 25 * 3_600_000);
    await runScheduled(now, { SCHEDULED_VERIFICATIONS_PER_RUN: '3' });
    const attempted = await Promise.all(apps.map(async ({ app }) => (await rawRow(app.id))!.verification_attempted_at));
    expect(attempted).toEqual([now.toISOString(), now.toISOString(), now.toISOString(), '2000-01-01T00:00:03.000Z', '2000-01-01T00:00:04.000Z']);
    const first = apps[0]!;
    const verified = await shown(first.owner.token, first.app.id);
    expect(verified.verification).toMatchObject({ status: 'valid', time: at(now.getTime()) });
    const [event] = await events(first.owner.token, first.app.id, 'oauth_app.verified');
    expect(event).toMatchObject({ token_id: null, details: { verdict: 'valid', provider_error: 'invalid_grant' } });
    // The customer's own verify is not held back by the scheduled one, nor is their budget spent.
    expect((await send(request('POST', `/v1/oauth-apps/${first.app.id}/verify`, { token: first.owner.token }))).status).toBe(200);
    const account = await env.DB.prepare('SELECT verification_count FROM accounts WHERE id = ?').bind(first.owner.accountId).first('verification_count');
    expect(account).toBe(1);
    // The next run takes the rest.
    await runScheduled(now, { SCHEDULED_VERIFICATIONS_PER_RUN: '2' });
    expect((await rawRow(apps[4]!.app.id))!.verification_attempted_at).toBe(now.toISOString());
  });

  it(`at most ${SCHEDULED_VERIFICATION_CONCURRENCY} requests in flight at once, each app asked once`, async () => {
    const apps = await dueApps(9, 'github', () => github.secret);
    const key = crypto.randomUUID();
    const urls = JSON.stringify({ ...testTokenUrls(providers), github: `${providers.github}/held/${key}` });
    await runScheduled(new Date(Date.now() + 25 * 3_600_000), { SCHEDULED_VERIFICATIONS_PER_RUN: '9', PROVIDER_TOKEN_URLS: urls });
    const stats = (await (await fetch(`${providers.github}/held-stats/${key}`)).json()) as { max: number; total: number };
    expect(stats).toEqual({ max: SCHEDULED_VERIFICATION_CONCURRENCY, total: 9 });
    for (const { app } of apps) expect((await rawRow(app.id))!.verification_status).toBe('valid');
  });

  it('a secret the provider now rejects: verdict invalid, health error, announced', async () => {
    const [{ owner, app }] = (await dueApps(1, 'github', () => newSecret())) as [{ owner: TestToken; app: AppObject }];
    await runScheduled(new Date(Date.now() + 25 * 3_600_000), { SCHEDULED_VERIFICATIONS_PER_RUN: '1' });
    const after = await shown(owner.token, app.id);
    expect(after.verification).toMatchObject({ status: 'invalid', provider_error: 'incorrect_client_credentials' });
    expect(after.health.status).toBe('error');
    expect(await healthChanges(owner.token, app.id)).toEqual([{ previous_status: 'ok', status: 'error' }]);
  });

  it('VERIFICATION_MAX_AGE_HOURS=0 turns it off; a verdict younger than the age is not due', async () => {
    const [{ app }] = (await dueApps(1, 'quickbooks', () => basic.secret)) as [{ owner: TestToken; app: AppObject }];
    await runScheduled(new Date(Date.now() + 25 * 3_600_000), { SCHEDULED_VERIFICATIONS_PER_RUN: '1', VERIFICATION_MAX_AGE_HOURS: '0' });
    expect((await rawRow(app.id))!.verification_attempted_at).toBe('2000-01-01T00:00:00.000Z');
    await env.DB.prepare('UPDATE oauth_apps SET verification_attempted_at = ? WHERE id = ?').bind(new Date().toISOString(), app.id).run();
    await runScheduled(new Date(Date.now() + 23 * 3_600_000), { SCHEDULED_VERIFICATIONS_PER_RUN: '1' });
    expect((await rawRow(app.id))!.verification_status).toBe('valid');
    expect(await events((await newCaller()).token, app.id)).toEqual([]);
  });
});

describe('oauth_app.health_changed: on every change of the shown status', () => {
  it('the verify endpoint, and a reveal that finds the secret no longer decrypts', async () => {
    const owner = await newCaller();
    const wrong = newSecret();
    rememberSecret(wrong);
    const app = await createdApp(owner.token, { provider: 'quickbooks', client_id: basic.id, client_secret: wrong });
    expect((await send(request('POST', `/v1/oauth-apps/${app.id}/verify`, { token: owner.token }))).status).toBe(200);
    await patchApp(owner.token, app.id, { client_secret: basic.secret });
    const other = await createdApp(owner.token);
    // Tampered: the reveal finds it does not authenticate.
    await env.DB.prepare("UPDATE oauth_apps SET client_secret_ciphertext = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = ?").bind(other.id).run();
    expect((await shown(owner.token, other.id)).health.status).toBe('ok');
    await getApp(owner.token, other.id, '?truncate_secrets=false');
    expect(await healthChanges(owner.token, app.id)).toEqual([
      { previous_status: 'ok', status: 'error' },
      { previous_status: 'error', status: 'ok' },
    ]);
    expect(await healthChanges(owner.token, other.id)).toEqual([{ previous_status: 'ok', status: 'error' }]);
    // A write that moves nothing announces nothing.
    await patchApp(owner.token, app.id, { name: 'renamed' });
    expect(await healthChanges(owner.token, app.id)).toHaveLength(2);
  });
});
