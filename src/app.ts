// Composes the API: middleware order, routes, error rendering.
import { Hono } from 'hono';
import type { StorageEngine } from './db/engine';
import type { AppEnv } from './env';
import { cors } from './http/cors';
import { database } from './http/database';
import { handleError, handleNotFound, methodNotAllowed } from './http/errors';
import { openApiRoute } from './openapi/route';
import { requestContext } from './http/request-context';
import { eventsRoutes } from './audit/events.routes';
import { keysRoutes } from './keys/keys.routes';
import { oauthAppsRoutes } from './oauth-apps/oauth-apps.routes';
import { providersRoutes } from './providers/providers.routes';

/** The API on a storage engine: D1 or libSQL in the Worker, libSQL on Node. */
export function createApp(engine: StorageEngine) {
  const app = new Hono<AppEnv>();
  app.use(requestContext());
  app.use(cors());
  // The OpenAPI document, public: no token, no storage.
  app.get('/openapi.json', openApiRoute);
  app.all('/openapi.json', methodNotAllowed(['GET']));
  app.use('/v1/*', database(engine));
  app.route('/v1/oauth-apps', oauthAppsRoutes);
  app.route('/v1/providers', providersRoutes);
  app.route('/v1/events', eventsRoutes);
  app.route('/v1/encryption-keys', keysRoutes);
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
