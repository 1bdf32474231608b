// POST /v1/oauth-apps/{id}/verify against real OAuth servers on loopback
// (test/support/provider-servers.ts): oidc-provider, reached as QuickBooks
// and Workday (client_secret_basic) and Linear (client_secret_post) through
// PROVIDER_TOKEN_URLS, and a server speaking GitHub's dialect. On every target.
import { beforeAll, describe, expect, it } from 'vitest';
import { capturedLogs, rememberSecret } from '../support/log-capture';
import { recordVerification } from '../../src/verification/verification.repository';
import { loadKeyring } from '../../src/crypto/keyring';
import { healthRules } from '../../src/oauth-apps/health';
import { findOAuthApp } from '../../src/oauth-apps/oauth-apps.repository';
import {
  apiAs,
  createdApp,
  db,
  env,
  newCaller,
  newSecret,
  patchApp,
  rawRow,
  request,
  send,
  sendWithEnv,
  type AppObject,
  type TestToken,
} from '../support/fixtures';
import { testTokenUrls, type TestProviders } from '../support/test-providers';

const providers = JSON.parse(env.TEST_PROVIDERS) as TestProviders;
const { basic, post, github } = providers.clients;
for (const client of [basic, post, github]) rememberSecret(client.secret);

let caller: TestToken;
beforeAll(async () => {
  caller = await newCaller();
});

const verify = (token: string, id: string) => send(request('POST', `/v1/oauth-apps/${id}/verify`, { token }));
const verifyWith = (token: string, id: string, overrides: Record<string, string>) =>
  sendWithEnv(request('POST', `/v1/oauth-apps/${id}/verify`, { token }), overrides);
/** The suite's PROVIDER_TOKEN_URLS but for NetSuite, which then takes the catalog's templated endpoint (refused before any request here). */
const withoutNetsuite = () => {
  const { netsuite: _, ...rest } = testTokenUrls(providers);
  return JSON.stringify(rest);
};
/** PROVIDER_TOKEN_URLS with GitHub aimed at one of the test server's paths. */
const githubAt = (path: string) => JSON.stringify({ ...testTokenUrls(providers), github: `${providers.github}${path}` });

type CreateFields = NonNullable<Parameters<typeof createdApp>[1]>;
type Provider = NonNullable<CreateFields['provider']>;

function app(provider: Provider, clientId: string, clientSecret: string, extra: CreateFields = {}): Promise<AppObject> {
  return createdApp(caller.token, { provider, client_id: clientId, client_secret: clientSecret, ...extra });
}

/** A fresh account's app for a client of the test servers (the pair is unique per account). */
async function appAs(provider: Provider, client: { id: string; secret: string }, secret = client.secret) {
  const owner = await newCaller();
  const created = await createdApp(owner.token, { provider, client_id: client.id, client_secret: secret });
  return { owner, created };
}

async function verified(res: Response): Promise<AppObject> {
  expect(res.status).toBe(200);
  return (await res.json()) as AppObject;
}

async function eventsOf(token: string, appId: string) {
  const { data } = await apiAs(token).GET('/v1/events', { params: { query: { app_id: appId, action: 'oauth_app.verified' } } });
  return data!.data;
}

describe('POST /v1/oauth-apps/{id}/verify: the verdict of a real authorization server', () => {
  it('right secret, client_secret_basic: valid, health ok, an oauth_app.verified event', async () => {
    const { owner, created } = await appAs('quickbooks', basic);
    const res = await verify(owner.token, created.id);
    const body = await verified(res);
    expect(body.verification).toMatchObject({ status: 'valid', provider_error: 'invalid_grant', reason: null });
    expect(body.health).toMatchObject({ status: 'ok', notes: [] });
    expect(res.headers.get('ETag')).toBe('"v2"');
    const [event] = await eventsOf(owner.token, created.id);
    expect(event!.details).toEqual({ verdict: 'valid', provider_error: 'invalid_grant' });
    // The GET shows the same, and stays so.
    const { data } = await apiAs(owner.token).GET('/v1/oauth-apps/{id}', { params: { path: { id: created.id } } });
    expect(data!.verification).toEqual(body.verification);
  });

  it('right secret, client_secret_post: valid', async () => {
    const { owner, created } = await appAs('linear', post);
    expect((await verified(await verify(owner.token, created.id))).verification?.status).toBe('valid');
  });

  it('wrong secret: invalid, health error with a note, found by the health filter', async () => {
    const wrong = newSecret();
    const { owner, created } = await appAs('quickbooks', basic, wrong);
    const body = await verified(await verify(owner.token, created.id));
    expect(body.verification).toMatchObject({ status: 'invalid', provider_error: 'invalid_client', reason: null });
    expect(body.health.status).toBe('error');
    expect(body.health.notes).toEqual([expect.stringContaining('The provider rejected the client credentials (invalid_client)')]);
    const errors = await apiAs(owner.token).GET('/v1/oauth-apps', { params: { query: { 'health.status': 'error' } } });
    expect(errors.data!.data.map((a) => a.id)).toEqual([created.id]);
    const oks = await apiAs(owner.token).GET('/v1/oauth-apps', { params: { query: { 'health.status': 'ok' } } });
    expect(oks.data!.data).toEqual([]);
    const [event] = await eventsOf(owner.token, created.id);
    expect(event!.details).toEqual({ verdict: 'invalid', provider_error: 'invalid_client' });
  });

  it('wrong secret, client_secret_post; and a client the server does not know: invalid', async () => {
    const { owner, created } = await appAs('linear', post, newSecret());
    expect((await verified(await verify(owner.token, created.id))).verification?.status).toBe('invalid');
    const unknown = await app('workday', `nobody-${crypto.randomUUID()}`, newSecret());
    expect((await verified(await verify(caller.token, unknown.id))).verification).toMatchObject({ status: 'invalid', provider_error: 'invalid_client' });
  });

  it('server stopped: inconclusive, health unchanged, the note says why', async () => {
    const { owner, created } = await appAs('quickbooks', basic);
    const down = JSON.stringify({ ...testTokenUrls(providers), quickbooks: `${providers.down}/token` });
    const body = await verified(await verifyWith(owner.token, created.id, { PROVIDER_TOKEN_URLS: down }));
    expect(body.verification).toMatchObject({ status: 'inconclusive', reason: 'unreachable', provider_error: null });
    expect(body.health.status).toBe('ok');
    expect(body.health.notes).toEqual([expect.stringContaining('could not tell whether the provider accepts the client credentials: the provider could not be reached')]);
    const [event] = await eventsOf(owner.token, created.id);
    expect(event!.details).toEqual({ verdict: 'inconclusive', reason: 'unreachable' });
  });

  it('an inconclusive attempt never replaces a valid or invalid verdict (the event still records it)', async () => {
    const { owner, created } = await appAs('quickbooks', basic, newSecret());
    expect((await verified(await verify(owner.token, created.id))).verification?.status).toBe('invalid');
    // The per-app minute, passed.
    await env.DB.prepare('UPDATE oauth_apps SET verification_started_at = ? WHERE id = ?')
      .bind(new Date(Date.now() - 61_000).toISOString(), created.id)
      .run();
    const down = JSON.stringify({ ...testTokenUrls(providers), quickbooks: `${providers.down}/token` });
    const body = await verified(await verifyWith(owner.token, created.id, { PROVIDER_TOKEN_URLS: down }));
    expect(body.verification?.status).toBe('invalid');
    expect(body.health.status).toBe('error');
    expect((await eventsOf(owner.token, created.id)).map((e) => e.details.verdict)).toEqual(['inconclusive', 'invalid']);
  });
});

describe('verify: GitHub’s dialect (HTTP 200 with an error field)', () => {
  it('right secret: bad_verification_code is valid', async () => {
    const { owner, created } = await appAs('github', github);
    expect((await verified(await verify(owner.token, created.id))).verification).toMatchObject({
      status: 'valid',
      provider_error: 'bad_verification_code',
    });
  });

  it('wrong secret: incorrect_client_credentials is invalid', async () => {
    const { owner, created } = await appAs('github', github, newSecret());
    const body = await verified(await verify(owner.token, created.id));
    expect(body.verification).toMatchObject({ status: 'invalid', provider_error: 'incorrect_client_credentials' });
    expect(body.health.status).toBe('error');
  });
});

describe('verify: outbound safety', () => {
  const cases: [string, string, string, Record<string, string>?][] = [
    ['a provider that never answers', '/slow', 'timeout', { VERIFICATION_TIMEOUT_SECONDS: '1' }],
    ['a redirect (never followed)', '/redirect', 'redirected'],
    ['an answer over 16 KiB', '/huge', 'too_large'],
    ['429', '/rate-limited', 'rate_limited'],
    ['5xx', '/failing', 'provider_unavailable'],
    ['a token for a code never issued', '/issues-a-token', 'unexpected_success'],
    ['an answer that is not JSON', '/not-json', 'unrecognized_answer'],
  ];
  for (const [label, path, reason, extra] of cases) {
    it(`${label}: inconclusive (${reason}), health unchanged`, async () => {
      const { owner, created } = await appAs('github', github);
      const body = await verified(await verifyWith(owner.token, created.id, { PROVIDER_TOKEN_URLS: githubAt(path), ...extra }));
      expect(body.verification).toMatchObject({ status: 'inconclusive', reason });
      expect(body.health.status).toBe('ok');
    });
  }

  it('the redirect target is never asked', async () => {
    const hits = async () => ((await (await fetch(`${providers.github}/redirected-hits`)).json()) as { hits: number }).hits;
    const before = await hits();
    const { owner, created } = await appAs('github', github);
    await verifyWith(owner.token, created.id, { PROVIDER_TOKEN_URLS: githubAt('/redirect') });
    expect(await hits()).toBe(before);
  });

  it('an answer that echoes the secret: only its error code is kept', async () => {
    const secret = newSecret();
    const { owner, created } = await appAs('github', github, secret);
    const res = await verifyWith(owner.token, created.id, { PROVIDER_TOKEN_URLS: githubAt('/leaky') });
    const text = await res.text();
    expect(text.includes(secret)).toBe(false);
    // GitHub's dialect does not know invalid_client: it cannot tell.
    expect((JSON.parse(text) as AppObject).verification).toMatchObject({ status: 'inconclusive', provider_error: 'invalid_client' });
    const events = JSON.stringify(await eventsOf(owner.token, created.id));
    expect(events.includes(secret)).toBe(false);
    expect(JSON.stringify(await rawRow(created.id)).includes(secret)).toBe(false);
  });

  it('template variables that aim at another host are refused on create and change', async () => {
    const attempts: [string, Record<string, string>, string][] = [
      ['shopify', { shop: 'evil.example/x' }, 'provider_settings.shop'],
      ['shopify', { shop: 'evil.example#' }, 'provider_settings.shop'],
      ['servicenow', { instance: 'acme.evil.example' }, 'provider_settings.instance'],
      ['workday', { host: 'evil.example', tenant: 'acme' }, 'provider_settings.host'],
      ['workday', { host: 'workday.com.evil.example', tenant: 'acme' }, 'provider_settings.host'],
      ['workday', { host: 'wd2-impl-services1.workday.com', tenant: '../../evil' }, 'provider_settings.tenant'],
      ['auth0', { tenant_domain: 'acme.auth0.com.evil.example' }, 'provider_settings.tenant_domain'],
      ['auth0', { tenant_domain: 'evil.example:443' }, 'provider_settings.tenant_domain'],
      ['github', { host: 'evil.example' }, 'provider_settings.host'],
    ];
    for (const [provider, settings, field] of attempts) {
      const res = await send(
        request('POST', '/v1/oauth-apps', {
          token: caller.token,
          body: { provider, client_id: crypto.randomUUID(), client_secret: newSecret(), name: 'Aimed elsewhere', provider_settings: settings },
        }),
      );
      expect(res.status, `${provider} ${JSON.stringify(settings)}`).toBe(422);
      expect(Object.keys(((await res.json()) as { validation_errors: Record<string, string[]> }).validation_errors)).toContain(field);
    }
    const fine = await app('workday', crypto.randomUUID(), newSecret(), {
      provider_settings: { host: 'wd2-impl-services1.workday.com', tenant: 'acme_dpt1' },
    });
    expect(fine.provider_settings).toEqual({ host: 'wd2-impl-services1.workday.com', tenant: 'acme_dpt1' });
    const res = await patchApp(caller.token, fine.id, { provider_settings: { host: 'workday.evil.example', tenant: 'acme' } });
    expect(res.status).toBe(422);
    expect((await rawRow(fine.id))!.provider_settings).toBe(JSON.stringify({ host: 'wd2-impl-services1.workday.com', tenant: 'acme_dpt1' }));
  });

  it('settings planted in storage that aim elsewhere are refused at verify time; nothing is sent or recorded', async () => {
    const planted = await app('netsuite', crypto.randomUUID(), newSecret(), { provider_settings: { account_id: '1234567' } });
    await env.DB.prepare('UPDATE oauth_apps SET provider_settings = ? WHERE id = ?')
      .bind(JSON.stringify({ account_id: 'evil.example/x?' }), planted.id)
      .run();
    const res = await verifyWith(caller.token, planted.id, { PROVIDER_TOKEN_URLS: withoutNetsuite() });
    expect(res.status).toBe(422);
    expect((await rawRow(planted.id))!.verification_started_at).toBeNull();
    expect(await eventsOf(caller.token, planted.id)).toEqual([]);
  });

  it('a templated provider without its settings: 422 naming the missing ones', async () => {
    const bare = await app('netsuite', crypto.randomUUID(), newSecret());
    const res = await verifyWith(caller.token, bare.id, { PROVIDER_TOKEN_URLS: withoutNetsuite() });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { validation_errors: Record<string, string[]> }).validation_errors).toEqual({
      'provider_settings.account_id': ['is required to verify (set it with PATCH)'],
    });
  });

  it('a provider that cannot be probed: 422 verification_unsupported; health and storage as before', async () => {
    const sn = await app('servicenow', crypto.randomUUID(), newSecret(), { provider_settings: { instance: 'acme' } });
    const res = await verify(caller.token, sn.id);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('verification_unsupported');
    const row = await rawRow(sn.id);
    expect(row!.verification_status).toBeNull();
    expect(row!.verification_started_at).toBeNull();
  });
});

describe('verify: a verdict is about the secret it was reached with', () => {
  it('a client_secret replaced during the probe keeps no verdict of the old one (the event still records the attempt)', async () => {
    const { owner, created } = await appAs('quickbooks', basic);
    const row = (await rawRow(created.id))!;
    // What the handler read before its probe; then a PATCH lands a new secret (generation 2).
    const probed = (await findOAuthApp(db(), owner.accountId, created.id))!;
    expect(probed.clientSecretGeneration).toBe(1);
    expect((await patchApp(owner.token, created.id, { client_secret: basic.secret })).status).toBe(200);
    const rules = healthRules(await loadKeyring(env.ENCRYPTION_KEYRING));
    await recordVerification(db(), probed, { status: 'invalid', providerError: 'invalid_client' }, { tokenId: null, requestId: 'req_test' }, new Date(), rules);
    const after = (await rawRow(created.id))!;
    expect(after.verification_status).toBeNull();
    expect(after.version).toBe((row.version as number) + 1); // the PATCH's bump only
    expect((await eventsOf(owner.token, created.id)).map((e) => e.details)).toEqual([{ verdict: 'invalid', provider_error: 'invalid_client' }]);
  });
});

describe('verify: a secret that does not open', () => {
  it('is not sent; the verdict is inconclusive and health says error, as a reveal would record it', async () => {
    const { owner, created } = await appAs('quickbooks', basic);
    await env.DB.prepare("UPDATE oauth_apps SET client_secret_ciphertext = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = ?").bind(created.id).run();
    const body = await verified(await verify(owner.token, created.id));
    expect(body.verification).toMatchObject({ status: 'inconclusive', reason: 'secret_undecryptable' });
    expect(body.health.status).toBe('error');
    expect(body.health.notes[0]).toMatch(/^The client secret could not be decrypted/);
    expect((await rawRow(created.id))!.health_status).toBe('error');
  });
});

describe('verify: limits', () => {
  it('one a minute per app (429 verification_rate_limited, Retry-After); a new client_secret clears the verdict and resets it', async () => {
    const { owner, created } = await appAs('quickbooks', basic);
    expect((await verify(owner.token, created.id)).status).toBe(200);
    const again = await verify(owner.token, created.id);
    expect(again.status).toBe(429);
    expect(((await again.json()) as { code: string }).code).toBe('verification_rate_limited');
    const retryAfter = Number(again.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const patched = await patchApp(owner.token, created.id, { client_secret: basic.secret });
    const body = (await patched.json()) as AppObject;
    expect(body.verification).toBeNull();
    expect(body.health).toMatchObject({ status: 'ok', notes: [] });
    expect((await verified(await verify(owner.token, created.id))).verification?.status).toBe('valid');
  });

  it("the account's hourly budget: past it, 429 verification_budget_spent and nothing is sent", async () => {
    const owner = await newCaller();
    const apps: AppObject[] = [];
    for (let i = 0; i < 3; i++) apps.push(await createdApp(owner.token, { provider: 'github', client_id: `${github.id}-${i}`, client_secret: newSecret() }));
    const budget = { VERIFICATIONS_PER_ACCOUNT_PER_HOUR: '2' };
    expect((await verifyWith(owner.token, apps[0]!.id, budget)).status).toBe(200);
    expect((await verifyWith(owner.token, apps[1]!.id, budget)).status).toBe(200);
    const spent = await verifyWith(owner.token, apps[2]!.id, budget);
    expect(spent.status).toBe(429);
    expect(((await spent.json()) as { code: string }).code).toBe('verification_budget_spent');
    expect(Number(spent.headers.get('Retry-After'))).toBeLessThanOrEqual(3600);
    expect((await rawRow(apps[2]!.id))!.verification_started_at).toBeNull();
    expect(await eventsOf(owner.token, apps[2]!.id)).toEqual([]);
    // Another account's budget is its own.
    const { owner: other, created } = await appAs('github', github);
    expect((await verifyWith(other.token, created.id, budget)).status).toBe(200);
  });
});

describe('verify: access', () => {
  it('needs oauth_apps:write; another account’s app is not found; only POST', async () => {
    const { owner, created } = await appAs('github', github);
    const reader = await newCaller(['oauth_apps:read']);
    expect((await verify(reader.token, created.id)).status).toBe(403);
    expect((await verify(caller.token, created.id)).status).toBe(404);
    expect((await verify(owner.token, crypto.randomUUID())).status).toBe(404);
    expect((await verify(owner.token, 'not-an-id')).status).toBe(404);
    const get = await send(request('GET', `/v1/oauth-apps/${created.id}/verify`, { token: owner.token }));
    expect(get.status).toBe(405);
    expect(get.headers.get('Allow')).toBe('POST');
  });

  it('no secret in any log line, answer, event or note along these paths', () => {
    // The answers and events are checked above; the logs by the suite's leak check after this file.
    const logs = capturedLogs().join('\n');
    for (const client of [basic, post, github]) expect(logs.includes(client.secret)).toBe(false);
  });
});
