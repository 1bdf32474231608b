// validate() (src/http/validation.ts) reads what @hono/zod-validator read:
// the JSON body jsonBody() parsed, and the query string with a repeated
// parameter as the array of its values. Each answer here is the one the API
// gave when zod-validator did the reading.
import { describe, expect, it } from 'vitest';
import { newCaller, request, seedBody, send } from '../support/fixtures';

type Problem = { code: string; validation_errors: Record<string, string[]> };

describe('the query string, validated', () => {
  it('a parameter given twice is refused by name, as a list of values is not a value', async () => {
    const caller = await newCaller();
    const res = await send(request('GET', '/v1/oauth-apps?limit=2&limit=3', { token: caller.token }));
    expect(res.status).toBe(422);
    const body = (await res.json()) as Problem;
    expect(body.code).toBe('validation_failed');
    expect(Object.keys(body.validation_errors)).toEqual(['limit']);
  });

  it('a parameter given once is its value; an unknown one, even "__proto__", is named', async () => {
    const caller = await newCaller();
    expect((await send(request('GET', '/v1/oauth-apps?limit=2', { token: caller.token }))).status).toBe(200);
    const res = await send(request('GET', '/v1/oauth-apps?__proto__=1&limit=2', { token: caller.token }));
    expect(res.status).toBe(422);
    expect((await res.json()) as Problem).toMatchObject({ validation_errors: { __proto__: ['is not a recognised field'] } });
  });
});

describe('the JSON body, validated once parsed', () => {
  it.each([['null'], ['[]'], ['"text"'], ['7']])('a body of %s is a 422 about the body, and nothing is written', async (raw) => {
    const caller = await newCaller();
    const res = await send(request('POST', '/v1/oauth-apps', { token: caller.token, rawBody: raw, headers: { 'Content-Type': 'application/json' } }));
    expect(res.status).toBe(422);
    expect(Object.keys(((await res.json()) as Problem).validation_errors)).toEqual(['body']);
    const list = (await (await send(request('GET', '/v1/oauth-apps', { token: caller.token }))).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  it('a +json media type is read as JSON; the stored app is the body sent', async () => {
    const caller = await newCaller();
    const sent = seedBody();
    const res = await send(
      request('POST', '/v1/oauth-apps', { token: caller.token, rawBody: JSON.stringify(sent), headers: { 'Content-Type': 'application/vnd.api+json; charset=utf-8' } }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: sent.provider, client_id: sent.client_id });
  });

  it('PATCH with no body and no Content-Type changes nothing and answers the app', async () => {
    const caller = await newCaller();
    const creation = await send(request('POST', '/v1/oauth-apps', { token: caller.token, body: seedBody() }));
    const created = (await creation.json()) as { id: string; updated_at: string };
    const res = await send(request('PATCH', `/v1/oauth-apps/${created.id}`, { token: caller.token }));
    expect(res.status).toBe(200);
    const answered = (await res.json()) as { id: string; updated_at: string };
    expect(answered.id).toBe(created.id);
    // Nothing changed: the same version (the ETag, which every write bumps) and time.
    expect(creation.headers.get('ETag')).toMatch(/^"v\d+"$/);
    expect(res.headers.get('ETag')).toBe(creation.headers.get('ETag'));
    expect(answered.updated_at).toBe(created.updated_at);
  });
});
