// The app's router (src/http/router.ts): strict about a trailing slash, a
// parameter per :name, a trailing * or /* matching what follows, and any
// other path refused when it is added instead of mismatched later.
import { describe, expect, it } from 'vitest';
import { StrictPatternRouter } from '../../src/http/router';

describe('StrictPatternRouter', () => {
  const router = new StrictPatternRouter<string>();
  router.add('ALL', '*', 'every');
  router.add('ALL', '/v1/*', 'v1');
  router.add('GET', '/v1/oauth-apps', 'list');
  router.add('GET', '/v1/oauth-apps/:id', 'get');
  router.add('POST', '/v1/oauth-apps/:id/verify', 'verify');
  router.add('GET', '/openapi.json', 'doc');
  const names = (method: string, path: string) => router.match(method, path)[0].map(([h, params]) => [h, params]);

  it('matches in order, with parameters, and only the method asked', () => {
    expect(names('GET', '/v1/oauth-apps/abc')).toEqual([['every', {}], ['v1', {}], ['get', { id: 'abc' }]]);
    expect(names('POST', '/v1/oauth-apps/abc/verify')).toEqual([['every', {}], ['v1', {}], ['verify', { id: 'abc' }]]);
    expect(names('POST', '/v1/oauth-apps')).toEqual([['every', {}], ['v1', {}]]);
    expect(names('GET', '/openapi.json')).toEqual([['every', {}], ['doc', {}]]);
    expect(names('GET', '/openapiXjson')).toEqual([['every', {}]]);
  });

  it('is strict about a trailing slash and a parameter spanning segments', () => {
    expect(names('GET', '/v1/oauth-apps/')).toEqual([['every', {}], ['v1', {}]]);
    expect(names('GET', '/v1/oauth-apps/a/b')).toEqual([['every', {}], ['v1', {}]]);
    expect(names('GET', '/v1x/oauth-apps')).toEqual([['every', {}]]);
  });

  it('refuses a path it cannot match as written', () => {
    for (const path of ['/a/:id{[0-9]+}', '/a/:id?', '/a/*/b', '/a(b)']) {
      expect(() => new StrictPatternRouter().add('GET', path, 'x'), path).toThrow();
    }
  });
});
