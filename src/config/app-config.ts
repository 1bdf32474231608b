// The settings the app reads per request, parsed from the Worker's env once
// per env object (a bad one fails every request closed, 500 misconfigured), or
// given already parsed by the Node server, which checked them at start.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Bindings } from '../env';
import { APP_SETTINGS, parseSettings, type AppSettings } from './schema';

export type AppConfig = AppSettings;

const parsed = new WeakMap<Bindings, AppConfig>();

export function appConfigOf(env: Bindings): AppConfig {
  let config = parsed.get(env);
  if (!config) {
    config = parseSettings(APP_SETTINGS, env as Readonly<Record<string, unknown>>);
    parsed.set(env, config);
  }
  return config;
}

/** Sets the config variable: the configuration given, else the env's. */
export function configuration(given?: AppConfig): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('config', given ?? appConfigOf(c.env));
    await next();
  };
}
