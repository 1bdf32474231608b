// Every bad input to POST /v1/oauth-apps: its status, the error shape, and no new row.
import { beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../../src/providers/providers';
import { newCaller, oauthAppCount, request, seedBody, send, type TestToken } from '../support/fixtures';

let caller: TestToken;
beforeAll(async () => {
  caller = await newCaller();
});

/** Sends, checks the status and the error shape, and that nothing was stored. */
async function expectRefused(req: Request, status: number): Promise<Record<string, unknown>> {
  const before = await oauthAppCount();
  const res = await send(req);
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(typeof body.summary).toBe('string');
  expect((body.summary as string).length).toBeGreaterThan(0);
  expect(body.request_id).toBe(res.headers.get('Request-Id'));
  const allowed = status === 422 ? ['code', 'summary', 'validation_errors', 'request_id'] : ['code', 'summary', 'request_id'];
  expect(Object.keys(body).every((k) => allowed.includes(k))).toBe(true);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
  expect(await oauthAppCount()).toBe(before);
  return body;
}

const post = (body: unknown) => request('POST', '/v1/oauth-apps', { token: caller.token, body });

function without(field: string): Record<string, unknown> {
  const body = seedBody();
  delete body[field];
  return body;
}

describe('422 failed validation, naming each field', () => {
  const cases: [string, () => unknown, Record<string, RegExp>][] = [
    ['provider missing', () => without('provider'), { provider: /is required/ }],
    ['client_id missing', () => without('client_id'), { client_id: /is required/ }],
    ['client_secret missing', () => without('client_secret'), { client_secret: /is required/ }],
    ['name missing', () => without('name'), { name: /is required/ }],
    ['everything missing', () => ({}), { provider: /required/, client_id: /required/, client_secret: /required/, name: /required/ }],
    ['name of the wrong type', () => seedBody({ name: 42 }), { name: /must be a string/ }],
    ['client_id null', () => seedBody({ client_id: null }), { client_id: /must be a string/ }],
    ['client_secret an object', () => seedBody({ client_secret: { a: 1 } }), { client_secret: /must be a string/ }],
    ['provider of the wrong type', () => seedBody({ provider: 7 }), { provider: /must be one of/ }],
    ['name empty', () => seedBody({ name: '' }), { name: /empty or whitespace-only/ }],
    ['name whitespace-only', () => seedBody({ name: ' \t ' }), { name: /empty or whitespace-only/ }],
    ['client_id empty', () => seedBody({ client_id: '' }), { client_id: /empty or whitespace-only/ }],
    ['client_secret whitespace-only', () => seedBody({ client_secret: '   ' }), { client_secret: /empty or whitespace-only/ }],
    ['unknown provider', () => seedBody({ provider: 'myspace' }), { provider: new RegExp(`must be one of: ${PROVIDER_IDS.join(', ')}`) }],
    ['provider in the wrong case', () => seedBody({ provider: 'Stripe' }), { provider: /must be one of/ }],
    ['an unknown extra field', () => seedBody({ client_secret_hint: 'x' }), { client_secret_hint: /not a recognised field/ }],
    ['an id sent by the client', () => seedBody({ id: crypto.randomUUID() }), { id: /not a recognised field/ }],
    ['metadata an array', () => seedBody({ metadata: [1, 2] }), { metadata: /must be a JSON object/ }],
    ['metadata a string', () => seedBody({ metadata: '{"a":1}' }), { metadata: /must be a JSON object/ }],
    ['metadata null', () => seedBody({ metadata: null }), { metadata: /must be a JSON object/ }],
    ['metadata with a __proto__ key', () => JSON.parse(JSON.stringify(seedBody()).replace('"custom_property"', '"__proto__"')), { metadata: /__proto__/ }],
    ['metadata over 16 KiB', () => seedBody({ metadata: { k: 'v'.repeat(16 * 1024) } }), { metadata: /at most 16384 bytes/ }],
    ['client_secret the mask', () => seedBody({ client_secret: '**********' }), { client_secret: /not a mask/ }],
    ['client_secret one asterisk', () => seedBody({ client_secret: '*' }), { client_secret: /not a mask/ }],
    ['client_secret asterisks with spaces', () => seedBody({ client_secret: ' ***** ' }), { client_secret: /not a mask/ }],
    ['name over 255 characters', () => seedBody({ name: 'n'.repeat(256) }), { name: /at most 255/ }],
    ['client_id over 512 characters', () => seedBody({ client_id: 'c'.repeat(513) }), { client_id: /at most 512/ }],
    ['client_secret over 4096 characters', () => seedBody({ client_secret: 's'.repeat(4097) }), { client_secret: /at most 4096/ }],
    ['client_id with a newline', () => seedBody({ client_id: 'abc\ndef' }), { client_id: /control characters/ }],
    ['client_secret with a NUL', () => seedBody({ client_secret: 'abc\u0000def' }), { client_secret: /control characters/ }],
    ['client_secret with DEL', () => seedBody({ client_secret: 'abc\u007fdef' }), { client_secret: /control characters/ }],
    ['name with an escape character', () => seedBody({ name: 'a\u001b[31m' }), { name: /control characters/ }],
    ['a JSON array body', () => [seedBody()], { body: /must be a JSON object/ }],
    ['a JSON string body', () => 'hello', { body: /must be a JSON object/ }],
    ['a JSON null body', () => null, { body: /must be a JSON object/ }],
  ];
  for (const [label, body, expected] of cases) {
    it(label, async () => {
      const error = await expectRefused(post(body()), 422);
      const fields = error.validation_errors as Record<string, string[]>;
      expect(Object.keys(fields).sort()).toEqual(Object.keys(expected).sort());
      for (const [field, pattern] of Object.entries(expected)) {
        expect(fields[field]!.join(' | ')).toMatch(pattern);
      }
    });
  }

  it('never echoes a sent value back', async () => {
    const secret = 'abc\u0000-echo-canary';
    const error = await expectRefused(post(seedBody({ client_secret: secret, name: 'n'.repeat(300) })), 422);
    expect(JSON.stringify(error).includes('echo-canary')).toBe(false);
  });
});

describe('400, 413, 415: the body itself', () => {
  const raw = (body: BodyInit, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    request('POST', '/v1/oauth-apps', { token: caller.token, rawBody: body, headers });

  it('400 on malformed JSON', async () => {
    const error = await expectRefused(raw('{"provider": "stripe",'), 400);
    expect(error.summary).toMatch(/not valid JSON/);
  });
  it('400 on an empty body', async () => {
    await expectRefused(raw(''), 400);
  });
  it('400 on a body that is not UTF-8', async () => {
    await expectRefused(raw(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400);
  });
  it('no 500 on JSON nested thousands deep', async () => {
    const deep = `{"provider":"stripe","client_id":"a","client_secret":"b","name":"c","metadata":{"x":${'['.repeat(20000)}${']'.repeat(20000)}}}`;
    const res = await send(raw(deep));
    expect([400, 413, 422]).toContain(res.status);
  });
  it('415 without a Content-Type', async () => {
    const error = await expectRefused(raw(JSON.stringify(seedBody()), {}), 415);
    expect(error.summary).toMatch(/application\/json/);
  });
  it('415 on text/plain, even with a JSON body', async () => {
    await expectRefused(raw(JSON.stringify(seedBody()), { 'Content-Type': 'text/plain' }), 415);
  });
  it('415 on a form body', async () => {
    await expectRefused(raw('provider=stripe', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415);
  });
  it('accepts application/json with a charset', async () => {
    const res = await send(raw(JSON.stringify(seedBody()), { 'Content-Type': 'application/json; charset=utf-8' }));
    expect(res.status).toBe(200);
  });
  it('413 on a body over 64 KiB', async () => {
    const body = JSON.stringify(seedBody({ name: 'x'.repeat(64 * 1024) }));
    const error = await expectRefused(raw(body), 413);
    expect(error.summary).toMatch(/65536 bytes/);
  });
  it('413 on a streamed body over 64 KiB with no Content-Length', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const req = new Request('https://api.test/v1/oauth-apps', {
      method: 'POST',
      headers: { Authorization: `Bearer ${caller.token}`, 'Content-Type': 'application/json' },
      body: stream,
      // @ts-expect-error: duplex is required for a streamed body in fetch
      duplex: 'half',
    });
    expect(req.headers.get('Content-Length')).toBeNull();
    await expectRefused(req, 413);
  });
  it('answers the next request normally after a 413', async () => {
    const res = await send(post(seedBody()));
    expect(res.status).toBe(200);
  });
});

describe('404 and 405', () => {
  it('404 on an unknown route, with no authentication needed', async () => {
    const error = await expectRefused(request('GET', '/v1/nothing-here'), 404);
    expect(error.summary).toMatch(/No route/);
  });
  it('404 on a trailing slash', async () => {
    await expectRefused(request('POST', '/v1/oauth-apps/', { token: caller.token, body: seedBody() }), 404);
  });
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    it(`405 on ${method} /v1/oauth-apps, with Allow`, async () => {
      const req = request(method, '/v1/oauth-apps', { token: caller.token, body: seedBody() });
      const before = await oauthAppCount();
      const res = await send(req);
      expect(res.status).toBe(405);
      expect(res.headers.get('Allow')).toBe('GET, POST');
      const error = (await res.json()) as Record<string, unknown>;
      expect(error.summary).toMatch(/not allowed/);
      expect(await oauthAppCount()).toBe(before);
    });
  }
});
