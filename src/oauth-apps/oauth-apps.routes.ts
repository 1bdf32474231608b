// The /v1/oauth-apps router. Each route's chain reads in order:
// authenticate (401, 429, 403) -> body guard (415, 413, 400) -> validate (422)
// -> idempotency (replay, 409, 422) -> handler.
import { requireToken } from '../auth/authenticate';
import { methodNotAllowed } from '../http/errors';
import { newRoutes } from '../http/router';
import { jsonBody } from '../http/json-body';
import { validate } from '../http/validation';
import { idempotent } from '../idempotency/idempotency.middleware';
import { createHandler, deleteHandler, getHandler, listHandler, updateHandler } from './oauth-apps.handlers';
import { verifyHandler } from '../verification/verify.handler';
import { createOAuthAppBody, getOAuthAppQuery, listOAuthAppsQuery, saveOAuthAppQuery, updateOAuthAppBody } from './oauth-apps.schemas';

const read = requireToken('oauth_apps:read');
const write = requireToken('oauth_apps:write');

export const oauthAppsRoutes = newRoutes()
  .get('/', read, validate('query', listOAuthAppsQuery), listHandler)
  .post(
    '/',
    write,
    jsonBody(),
    validate('json', createOAuthAppBody),
    validate('query', saveOAuthAppQuery),
    idempotent(),
    createHandler,
  )
  .all('/', methodNotAllowed(['GET', 'POST']))
  .get('/:id', read, validate('query', getOAuthAppQuery), getHandler)
  .patch(
    '/:id',
    write,
    jsonBody({ allowEmpty: true }),
    validate('json', updateOAuthAppBody),
    validate('query', saveOAuthAppQuery),
    idempotent(),
    updateHandler,
  )
  .delete('/:id', write, deleteHandler)
  .all('/:id', methodNotAllowed(['GET', 'PATCH', 'DELETE']))
  // Asks the provider; no body is read, and nothing is replayed (each call is a new question).
  .post('/:id/verify', write, verifyHandler)
  .all('/:id/verify', methodNotAllowed(['POST']));
