// Composes the API: middleware order, routes, error rendering.
import { configuration, type AppConfig } from './config/app-config';
import type { StorageEngine } from './db/engine';
import { cors } from './http/cors';
import { database } from './http/database';
import { handleError, handleNotFound, methodNotAllowed } from './http/errors';
import { probeRoutes } from './http/probes';
import { openApiRoute } from './openapi/route';
import { requestContext, type Runtime } from './http/request-context';
import { newRoutes } from './http/router';
import { eventsRoutes } from './audit/events.routes';
import { keysRoutes } from './keys/keys.routes';
import { oauthAppsRoutes } from './oauth-apps/oauth-apps.routes';
import { providersRoutes } from './providers/providers.routes';

export interface AppOptions {
  /** Settings parsed at start (the Node server). Absent: each env's, parsed once (the Worker). */
  config?: AppConfig;
  /** True while the server shuts down: /readyz answers 503. */
  draining?: () => boolean;
  /** Default: the Worker's (src/http/request-context.ts). */
  runtime?: Runtime;
}

/** The API on a storage engine: D1 or libSQL in the Worker, libSQL on Node. */
export function createApp(engine: StorageEngine, options: AppOptions = {}) {
  const app = newRoutes();
  app.use(requestContext(options.runtime ?? 'workers'));
  // Before the configuration: liveness holds whatever it says, and readiness reports it.
  probeRoutes(app, engine, options);
  app.use(configuration(options.config));
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
