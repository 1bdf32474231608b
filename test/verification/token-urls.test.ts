// PROVIDER_TOKEN_URLS: the operator's override of the catalog, and the only
// way to name an http:// URL (loopback only). A bad value fails closed.
import { describe, expect, it } from 'vitest';
import { parseTokenUrlOverrides, tokenEndpointOf } from '../../src/verification/token-endpoint';
import { newCaller, request, sendWithEnv } from '../support/fixtures';

const parse = (raw: string) => {
  const parsed = parseTokenUrlOverrides(raw);
  return 'mustBe' in parsed ? { map: new Map<string, URL>(), problem: parsed.mustBe } : { map: parsed.overrides, problem: undefined };
};

describe('PROVIDER_TOKEN_URLS', () => {
  it('takes https anywhere and http on loopback only', () => {
    expect(parse('{"github":"https://ghe.example.com/login/oauth/access_token"}').problem).toBeUndefined();
    for (const host of ['127.0.0.1:9000', 'localhost:9000', '[::1]:9000']) expect(parse(`{"stripe":"http://${host}/token"}`).problem).toBeUndefined();
    for (const bad of [
      '{"stripe":"http://10.0.0.1/token"}',
      '{"stripe":"http://127.0.0.1.evil.example/token"}',
      '{"stripe":"ftp://127.0.0.1/token"}',
      '{"stripe":"https://user:pass@example.com/token"}',
      '{"stripe":"not a url"}',
      '{"stripe":7}',
      '{"paypal":"https://example.com/token"}',
      '["https://example.com/token"]',
      'not json',
    ]) {
      expect(parse(bad).problem, bad).toBeDefined();
      expect(parse(bad).map.size).toBe(0);
    }
  });

  it('replaces the catalog, templates and all; without it the catalog (with its settings) decides', () => {
    const { map } = parse('{"workday":"http://127.0.0.1:9/token"}');
    expect(tokenEndpointOf('workday', {}, map)).toMatchObject({ url: new URL('http://127.0.0.1:9/token') });
    expect(tokenEndpointOf('workday', {}, new Map())).toEqual({ missing: ['host', 'tenant'] });
    const resolved = tokenEndpointOf('workday', { host: 'wd2-impl-services1.workday.com', tenant: 'acme_dpt1' }, new Map());
    expect('url' in resolved && resolved.url.href).toBe('https://wd2-impl-services1.workday.com/ccx/oauth2/acme_dpt1/token');
    expect(tokenEndpointOf('workday', { host: 'workday.com', tenant: 'acme' }, new Map())).toHaveProperty('refused');
    expect(tokenEndpointOf('sendgrid', {}, map)).toHaveProperty('unsupported');
  });

  it('a bad value fails every request closed (500 misconfigured), saying nothing of it', async () => {
    const caller = await newCaller();
    const res = await sendWithEnv(request('GET', '/v1/providers', { token: caller.token }), { PROVIDER_TOKEN_URLS: '{"stripe":"http://10.0.0.1/t"}' });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'misconfigured' });
    expect(text.includes('10.0.0.1')).toBe(false);
  });
});
