// The hot path's fixed-shape reads, built once per isolate. drizzle builds a
// statement's SQL text each time it runs: for the 25 columns of oauth_apps
// that is ~100 µs of CPU (scripts/bench-cpu.ts), more than the rest of a GET's
// own work. A prebuilt read is built the first time with placeholders, and
// each later run only prepares that text on the request's own session (on D1
// a session, and so the drizzle database, is per request) and binds its values:
// the same statement, and drizzle's own row mapping.
import { sql, type Placeholder, type Query } from 'drizzle-orm';
import type { Database } from './client';

/** A select builder. */
interface SelectBuilder<R> extends PromiseLike<R[]> {
  toSQL(): Query;
}

/** What drizzle's select builders have beyond their types: _prepare is what awaiting one runs. */
interface Preparable<R> {
  _prepare(isOneTimeQuery?: boolean): PreparedSelect<R>;
}

interface PreparedSelect<R> {
  query: Query;
  fields: unknown;
  joinsNotNullableMap: unknown;
  queryMetadata: unknown;
  cacheConfig: unknown;
  all(values: Record<string, unknown>): Promise<R[]>;
}

interface Session {
  prepareQuery<R>(query: Query, fields: unknown, method: 'all', arrayMode: true, mapper: undefined, metadata: unknown, cache: unknown): PreparedSelect<R>;
}

type Values = Record<string, string | number>;
/** The values, or each as its placeholder. */
export type Prebuildable<V extends Values> = { [K in keyof V]: V[K] | Placeholder };
type Placeholders<V extends Values> = { [K in keyof V]: Placeholder };

/** A read: awaited, it runs; toSQL() says what it runs (tests read its plan). */
export interface PrebuiltRead<R> extends PromiseLike<R[]> {
  toSQL(): Query;
}

/**
 * `build` makes the select from its values: given placeholders, once; given
 * the values themselves, only for toSQL(). Only selects whose shape does not
 * depend on the values may be prebuilt.
 */
export function prebuilt<V extends Values, R>(build: (db: Database, values: Prebuildable<V>) => SelectBuilder<R>) {
  let built: Pick<PreparedSelect<R>, 'query' | 'fields' | 'joinsNotNullableMap' | 'queryMetadata' | 'cacheConfig'> | undefined;
  return (db: Database, values: V): PrebuiltRead<R> => {
    const run = async (): Promise<R[]> => {
      if (!built) {
        const names = Object.fromEntries(Object.keys(values).map((k) => [k, sql.placeholder(k)])) as Placeholders<V>;
        const { query, fields, joinsNotNullableMap, queryMetadata, cacheConfig } = (build(db, names) as unknown as Preparable<R>)._prepare(false);
        built = { query, fields, joinsNotNullableMap, queryMetadata, cacheConfig };
      }
      const session = (db as unknown as { session: Session }).session;
      const prepared = session.prepareQuery<R>(built.query, built.fields, 'all', true, undefined, built.queryMetadata, built.cacheConfig);
      prepared.joinsNotNullableMap = built.joinsNotNullableMap;
      return prepared.all(values);
    };
    return {
      then: (onFulfilled, onRejected) => run().then(onFulfilled, onRejected),
      toSQL: () => build(db, values).toSQL(),
    };
  };
}
