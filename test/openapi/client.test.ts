// The typed client (src/client) drives an app through its whole life against
// the running API: create -> list -> get -> patch -> delete. Its requests go
// through the suite's send(), so every answer is also checked against the document.
import { describe, expect, it } from 'vitest';
import { createOAuthAppsClient } from '../../src/client';
import { newCaller, newSecret, send } from '../support/fixtures';

describe('the typed client', () => {
  it('create -> list -> get -> patch -> delete', async () => {
    const caller = await newCaller();
    const api = createOAuthAppsClient({ baseUrl: 'https://api.test', token: caller.token, fetch: send });
    const secret = newSecret();

    const created = await api.POST('/v1/oauth-apps', {
      body: { provider: 'github', client_id: 'client-1', client_secret: secret, name: 'Typed', metadata: { team: 'a' } },
      params: { header: { 'Idempotency-Key': crypto.randomUUID() } },
    });
    expect(created.response.status).toBe(200);
    const app = created.data!;
    expect(app.client_secret).toBe('**********');

    const listed = await api.GET('/v1/oauth-apps', { params: { query: { provider: 'github', limit: 10, metadata: { team: 'a' } } } });
    expect(listed.data!.data.map((a) => a.id)).toEqual([app.id]);

    const got = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: app.id }, query: { truncate_secrets: false } } });
    expect(got.data!.client_secret).toBe(secret);
    const etag = got.response.headers.get('ETag')!;

    const patched = await api.PATCH('/v1/oauth-apps/{id}', {
      params: { path: { id: app.id }, header: { 'If-Match': etag } },
      body: { name: 'Typed, renamed', metadata: null },
    });
    expect(patched.data).toMatchObject({ id: app.id, name: 'Typed, renamed', metadata: {} });

    const stale = await api.PATCH('/v1/oauth-apps/{id}', { params: { path: { id: app.id }, header: { 'If-Match': etag } }, body: { name: 'x' } });
    expect(stale.response.status).toBe(412);
    expect(stale.error!.summary).toMatch(/ETag/);

    const deleted = await api.DELETE('/v1/oauth-apps/{id}', { params: { path: { id: app.id } } });
    expect(deleted.data).toEqual({ id: app.id, deleted: true });
    const gone = await api.GET('/v1/oauth-apps/{id}', { params: { path: { id: app.id } } });
    expect(gone.response.status).toBe(404);

    const events = await api.GET('/v1/events', { params: { query: { app_id: app.id } } });
    expect(events.data!.data.map((e) => e.action)).toEqual([
      'oauth_app.deleted',
      'oauth_app.updated',
      'oauth_app.secret_revealed',
      'oauth_app.created',
    ]);
  });
});
