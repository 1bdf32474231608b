// The hot path's fixed-shape reads, built once per isolate. drizzle builds a
// statement's SQL text each time it runs: for the 25 columns of oauth_apps
// that is ~100 µs of CPU (scripts/bench-cpu.ts), more than the rest of a GET's
// own work. A prebuilt read is built the first time with placeholders, and
// each later run only prepares that text on the request's own session (on D1
// a session, and so the drizzle database, is per request) and binds its values:
// the same statement, and drizzle's own row mapping.
import { is, Param, Placeholder, sql, type Query } from 'drizzle-orm';
import type { Database, Statement } from './client';

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
export type Prebuildable<V> = { [K in keyof V]: V[K] | Placeholder };
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

/** A value a prebuilt write binds. */
export type Scalar = string | number | null;
/** A prebuilt write's values, in named groups (a row, an event, …): each a flat record of scalars; a group may be absent. */
export type Groups = Record<string, Record<string, Scalar> | undefined>;
/** The groups, each value as its placeholder (named group.field). */
export type PlaceholderGroups<G extends Groups> = { [K in keyof G]: { [F in keyof NonNullable<G[K]>]: Placeholder } };

/** What a write builder's _prepare gives, on D1 and libSQL alike (drizzle's SQLitePreparedQuery). */
interface PreparedWrite {
  query: Query;
  fields: unknown;
  executeMethod: string;
  _isResponseInArrayMode: boolean;
  customResultMapper: unknown;
  queryMetadata: unknown;
  cacheConfig: unknown;
  joinsNotNullableMap: unknown;
}
interface WriteSession {
  prepareQuery(query: Query, fields: unknown, method: string, arrayMode: boolean, mapper: unknown, metadata: unknown, cache: unknown): PreparedWrite;
}
interface Encoder {
  mapToDriverValue(value: unknown): unknown;
}

/** One parameter of a prebuilt statement: a constant, or a value taken from its group (through its column's encoder, if any). */
type Slot = { value: unknown } | { group: string; field: string; encoder?: Encoder };

/** A statement built once: its text, where each parameter comes from, and how drizzle maps its result (not the first session's statement). */
interface BuiltWrite {
  prepared: Omit<PreparedWrite, 'query'> & { sql: string };
  slots: Slot[];
}

function slotOf(param: unknown): Slot {
  const named = (p: Placeholder): Slot => {
    const dot = p.name.indexOf('.');
    return { group: p.name.slice(0, dot), field: p.name.slice(dot + 1) };
  };
  if (is(param, Placeholder)) return named(param);
  if (is(param, Param) && is(param.value, Placeholder)) return { ...named(param.value), encoder: param.encoder as Encoder };
  return { value: param };
}

function fill(slots: Slot[], values: Groups): unknown[] {
  return slots.map((slot) => {
    if ('value' in slot) return slot.value;
    const value = values[slot.group]?.[slot.field];
    // A value the build named but the caller left out is a bug, never NULL.
    if (value === undefined) throw new Error(`prebuilt write: no value for ${slot.group}.${slot.field}`);
    return slot.encoder ? slot.encoder.mapToDriverValue(value) : value;
  });
}

/** A statement of a prebuilt batch: db.batch prepares it (on the request's session); toSQL() says what it runs. */
interface PrebuiltStatement {
  _prepare(): PreparedWrite;
  toSQL(): Query;
}

/**
 * A write batch built once per shape, then only bound: the writes' twin of
 * prebuilt(). `build` makes the batch from placeholders; its shape may depend
 * on which groups are present (a request with an Idempotency-Key has one
 * more), never on their values. Each shape is built the first time it is
 * asked for; `B`'s other fields (e.g. where a result is) are kept with it.
 */
export function prebuiltBatch<G extends Groups, B extends { statements: Statement[] }>(
  build: (db: Database, placeholders: PlaceholderGroups<G>) => B,
) {
  const shapes = new Map<string, { built: BuiltWrite[]; rest: Omit<B, 'statements'> }>();
  return (db: Database, values: G): Omit<B, 'statements'> & { statements: Statement[] } => {
    const present = Object.keys(values).filter((group) => values[group] !== undefined);
    const shape = present.join(',');
    let made = shapes.get(shape);
    if (!made) {
      const placeholders = Object.fromEntries(
        present.map((group) => [group, Object.fromEntries(Object.keys(values[group]!).map((f) => [f, sql.placeholder(`${group}.${f}`)]))]),
      ) as PlaceholderGroups<G>;
      const { statements, ...rest } = build(db, placeholders);
      const built = statements.map((s): BuiltWrite => {
        const { query, fields, executeMethod, _isResponseInArrayMode, customResultMapper, queryMetadata, cacheConfig, joinsNotNullableMap } = (
          s as unknown as { _prepare(isOneTimeQuery?: boolean): PreparedWrite }
        )._prepare(false);
        return {
          prepared: { sql: query.sql, fields, executeMethod, _isResponseInArrayMode, customResultMapper, queryMetadata, cacheConfig, joinsNotNullableMap },
          slots: query.params.map(slotOf),
        };
      });
      made = { built, rest };
      shapes.set(shape, made);
    }
    const session = (db as unknown as { session: WriteSession }).session;
    const statements = made.built.map(({ prepared: p, slots }): PrebuiltStatement => {
      const query = () => ({ sql: p.sql, params: fill(slots, values) });
      return {
        _prepare: () => {
          const q = session.prepareQuery(query(), p.fields, p.executeMethod, p._isResponseInArrayMode, p.customResultMapper, p.queryMetadata, p.cacheConfig);
          q.joinsNotNullableMap = p.joinsNotNullableMap;
          return q;
        },
        toSQL: query,
      };
    });
    return { ...made.rest, statements: statements as unknown as Statement[] };
  };
}
