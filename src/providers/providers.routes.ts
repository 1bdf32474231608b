// GET /v1/providers: the providers an OAuth app may belong to, with what
// verifying an app's credentials needs of each, for pickers and client-side
// validation. Any valid token may read it.
import { Hono } from 'hono/tiny';
import { requireToken } from '../auth/authenticate';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/errors';
import { presentProvider, PROVIDERS } from './providers';

const body = JSON.stringify({ data: PROVIDERS.map(presentProvider) });

export const providersRoutes = new Hono<AppEnv>()
  .get('/', requireToken(), (c) => c.body(body, 200, { 'Content-Type': 'application/json' }))
  .all('/', methodNotAllowed(['GET']));
