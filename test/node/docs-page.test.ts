// GET /docs on the Node server: the API reference page, prerendered from the
// document (public/docs.html), with the safety headers of every answer and a
// CSP that lets it load nothing from another origin. (On Workers the assets
// layer serves it, with public/_headers: npm run docs:browser checks that one
// in a real browser, from npm run dev.)
import { target } from '#target';
import { describe, expect, it } from 'vitest';
import document from '../../public/openapi.json';
import { readFileSync } from 'node:fs';

describe('GET /docs', () => {
  it('serves the reference page: HTML, nosniff, a CSP of its own origin only, every operation in it', async () => {
    const res = await target.send(new Request('https://api.test/docs'));
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Content-Security-Policy')).toMatch(/^default-src 'none'; script-src 'self' 'unsafe-inline';/);
    const html = await res.text();
    expect(html).toContain('<title>OAuth apps API reference</title>');
    // No script, stylesheet or font from a CDN: Redoc is inlined.
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/);
    for (const item of Object.values(document.paths)) {
      for (const op of Object.values(item) as { summary: string }[]) expect(html).toContain(JSON.stringify(op.summary).slice(1, -1));
    }
  });

  it('has the headers public/_headers gives it on Workers', async () => {
    const headers = readFileSync(new URL('../../public/_headers', import.meta.url), 'utf8');
    const res = await target.send(new Request('https://api.test/docs'));
    for (const name of ['Content-Security-Policy', 'Referrer-Policy']) {
      expect(headers).toContain(`  ${name}: ${res.headers.get(name)}`);
    }
    expect(headers).toContain('  X-Content-Type-Options: nosniff');
  });

  it('other methods are 405', async () => {
    const res = await target.send(new Request('https://api.test/docs', { method: 'POST' }));
    expect(res.status).toBe(405);
  });
});
