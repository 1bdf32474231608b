// GET /v1/providers.
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../src/providers/providers';
import { newCaller, request, send } from './support/fixtures';

describe('GET /v1/providers', () => {
  it('lists the 14 providers, id and display name, for any valid token', async () => {
    const caller = await newCaller([]);
    const res = await send(request('GET', '/v1/providers', { token: caller.token }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { id: string; name: string }[] };
    expect(body.data.map((p) => p.id)).toEqual(PROVIDER_IDS);
    expect(body.data).toHaveLength(14);
    expect(body.data.find((p) => p.id === 'github')).toEqual({ id: 'github', name: 'GitHub' });
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
