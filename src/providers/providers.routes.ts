// GET /v1/providers: the providers an OAuth app may belong to, with what
// verifying an app's credentials needs of each, for pickers and client-side
// validation. Any valid token may read it.
import { requireToken } from '../auth/authenticate';
import { methodNotAllowed } from '../http/errors';
import { newRoutes } from '../http/router';
import { presentProvider, PROVIDERS } from './providers';

const body = JSON.stringify({ data: PROVIDERS.map(presentProvider) });

export const providersRoutes = newRoutes()
  .get('/', requireToken(), (c) => c.body(body, 200, { 'Content-Type': 'application/json' }))
  .all('/', methodNotAllowed(['GET']));
