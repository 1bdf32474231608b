// GET /docs on the Node server: the API reference page (public/docs.html,
// prerendered by npm run openapi). On Workers the assets layer serves it
// before the Worker runs, with public/_headers' headers; this gives Node the
// same answer, and keeps the page's code out of the Worker's bundle.
import type { Hono } from 'hono';
import { ConfigError } from '../config/schema';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/errors';

/** The page's headers: public/_headers says the same for Workers. */
export const DOCS_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'public, max-age=300',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

export function serveDocs(app: Hono<AppEnv>): void {
  app.get('/docs', async (c) => {
    if (!c.env.ASSETS) throw new ConfigError('the ASSETS binding (public/) is missing');
    const stored = await c.env.ASSETS.fetch(new URL('/docs.html', c.req.url));
    if (!stored.ok) throw new ConfigError(`public/docs.html is missing (assets answered ${stored.status})`);
    return new Response(stored.body, { status: 200, headers: DOCS_HEADERS });
  });
  app.all('/docs', methodNotAllowed(['GET']));
}
