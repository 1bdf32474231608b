// GET /v1/providers.
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../src/providers/providers';
import { newCaller, request, send } from './support/fixtures';
import type { components } from '../packages/client/src/index';

type Provider = components['schemas']['ProviderList']['data'][number];

describe('GET /v1/providers', () => {
  it('lists the 14 providers, id and display name, for any valid token', async () => {
    const caller = await newCaller([]);
    const res = await send(request('GET', '/v1/providers', { token: caller.token }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Provider[] };
    expect(body.data.map((p) => p.id)).toEqual(PROVIDER_IDS);
    expect(body.data).toHaveLength(14);
    expect(body.data.find((p) => p.id === 'github')).toEqual({
      id: 'github',
      name: 'GitHub',
      token_endpoint: 'https://github.com/login/oauth/access_token',
      client_authentication: 'client_secret_post',
      settings: [],
      verification: {
        supported: true,
        reason: null,
        error_field: 'error',
        rejected_client: ['incorrect_client_credentials'],
        accepted_client: ['bad_verification_code'],
      },
    });
  });

  it('each token endpoint is https; each template names exactly its settings; each unsupported probe says why', async () => {
    const caller = await newCaller([]);
    const { data } = (await (await send(request('GET', '/v1/providers', { token: caller.token }))).json()) as { data: Provider[] };
    for (const p of data) {
      if (p.token_endpoint !== null) expect(p.token_endpoint, p.id).toMatch(/^https:\/\//);
      const variables = [...(p.token_endpoint ?? '').matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
      expect(p.settings.map((s) => s.name), p.id).toEqual(variables);
      for (const setting of p.settings) expect(new RegExp(setting.pattern).test(setting.example), `${p.id}.${setting.name}`).toBe(true);
      if (p.verification.supported) {
        expect(p.client_authentication, p.id).not.toBeNull();
        expect(p.verification.rejected_client.length, p.id).toBeGreaterThan(0);
        expect(p.verification.accepted_client.length, p.id).toBeGreaterThan(0);
      } else {
        expect(p.verification.reason, p.id).toMatch(/\S/);
      }
    }
    // Hosts per tenant: Auth0, Marketo, NetSuite, ServiceNow, Shopify, Workday.
    expect(data.filter((p) => p.settings.length > 0).map((p) => p.id)).toEqual(['auth0', 'marketo', 'netsuite', 'servicenow', 'shopify', 'workday']);
  });

  it('needs a valid token', async () => {
    expect((await send(request('GET', '/v1/providers'))).status).toBe(401);
  });

  it('405 on other methods', async () => {
    const caller = await newCaller();
    const res = await send(request('POST', '/v1/providers', { token: caller.token, body: {} }));
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET');
  });
});
