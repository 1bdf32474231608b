// GET /openapi.json: the committed document, served without a token.
import { describe, expect, it } from 'vitest';
import document from '../../public/openapi.json';
import { request, send } from '../support/fixtures';

describe('GET /openapi.json', () => {
  it('serves the committed OpenAPI 3.1 document to anyone', async () => {
    const res = await send(request('GET', '/openapi.json'));
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(res.headers.get('Request-Id')).toMatch(/^req_/);
    expect(await res.json()).toEqual(document);
    expect(document.openapi).toBe('3.1.0');
  });

  it('other methods are 405 in the error shape', async () => {
    const res = await send(request('POST', '/openapi.json', { body: {} }));
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET');
  });
});
