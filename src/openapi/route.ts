// GET /openapi.json: the document `npm run openapi` writes to public/, read
// through the ASSETS binding (Workers Static Assets on the Worker, the files
// themselves on Node): uploaded with the Worker but not carried in its
// bundle, so documenting the API costs the Worker nothing to start.
import type { Handler } from 'hono';
import { ConfigError } from '../config/schema';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';

/** An Accept header that admits JSON (or none at all: anything goes). */
const ACCEPTS_JSON = /(^|,)\s*(application\/(json|\*)|\*\/\*)\s*(;|,|$)/i;

export const openApiRoute: Handler<AppEnv> = async (c) => {
  const accept = c.req.header('Accept');
  if (accept !== undefined && accept.trim() !== '' && !ACCEPTS_JSON.test(accept)) {
    throw new ApiError('not_acceptable', 'This document is JSON: send Accept: application/json (or none).');
  }
  if (!c.env.ASSETS) throw new ConfigError('the ASSETS binding (public/) is missing');
  const stored = await c.env.ASSETS.fetch(new URL('/openapi.json', c.req.url));
  if (!stored.ok) throw new ConfigError(`public/openapi.json is not deployed (assets answered ${stored.status})`);
  return new Response(stored.body, {
    status: 200,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' },
  });
};

