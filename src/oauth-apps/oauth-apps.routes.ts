// The /v1/oauth-apps router: each route's middleware chain reads in order
// authenticate -> body guard -> validate -> handler.
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { requireScope } from '../auth/authenticate';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/errors';
import { jsonBody } from '../http/json-body';
import { validationHook } from '../http/validation';
import { createHandler } from './oauth-apps.handlers';
import { createOAuthAppBody } from './oauth-apps.schemas';

export const oauthAppsRoutes = new Hono<AppEnv>()
  .post(
    '/',
    requireScope('oauth_apps:write'),
    jsonBody(),
    zValidator('json', createOAuthAppBody, validationHook),
    createHandler,
  )
  .all('/', methodNotAllowed(['POST']));
