// Opens the request's database session and sets it as the db variable; handlers never
// touch bindings. On D1 the session follows x-d1-bookmark in and out.
import type { MiddlewareHandler } from 'hono';
import type { StorageEngine } from '../db/engine';
import type { AppEnv } from '../env';
import { ApiError } from './errors';

export const BOOKMARK_HEADER = 'x-d1-bookmark';

// D1 bookmarks are four dash-separated hex groups (8-8-8-32); "first-primary"
// asks for a read at the primary without having a bookmark.
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;
const CONSTRAINTS = new Set(['first-primary', 'first-unconstrained']);

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function database(engine: StorageEngine): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const bookmark = parseBookmark(c.req.header(BOOKMARK_HEADER));
    const session = engine.open(c.env, { writes: !READ_ONLY_METHODS.has(c.req.method), bookmark });
    c.set('db', session.db);
    await next();
    const latest = session.bookmark();
    if (latest) c.header(BOOKMARK_HEADER, latest);
  };
}

function parseBookmark(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (BOOKMARK.test(value) || CONSTRAINTS.has(value)) return value;
  throw new ApiError(
    'bookmark_malformed',
    `The ${BOOKMARK_HEADER} header must be a bookmark from an earlier response's ${BOOKMARK_HEADER} header, or first-primary.`,
  );
}
