// Puts the drizzle client on c.var.db; handlers never touch bindings.
import type { MiddlewareHandler } from 'hono';
import { d1Database } from '../db/client';
import type { AppEnv } from '../env';

export function database(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('db', d1Database(c.env.DB));
    await next();
  };
}
