// Stands in, in the Worker builds only (the [alias] of wrangler.toml and
// wrangler.libsql.toml, by the relative paths drizzle imports them with), for
// the drizzle modules this code never runs: relational queries (db.query and
// their relations), db.$count and pg-core's enum test. esbuild keeps a module
// whose classes have static fields even when nothing uses it (~12 KiB
// minified, 2.9 KiB gzip). Each stand-in throws if it is ever reached; tests
// and the Node server use drizzle whole (test/node/worker-build.test.ts runs
// each build).
const unused = (what: string) => (): never => {
  throw new Error(`drizzle's ${what} is not in this build (src/db/drizzle-unused.ts)`);
};

export class One {}
export class Many {}
export class SQLiteCountBuilder {
  constructor() {
    unused('db.$count')();
  }
}
export class RelationalQueryBuilder {
  constructor() {
    unused('relational query builder')();
  }
}
export const getOperators = unused('relations');
export const getOrderByOperators = unused('relations');
export const normalizeRelation = unused('relations');
export const mapRelationalRow = unused('relations');
export const createTableRelationsHelpers = unused('relations');
export const extractTablesRelationalConfig = unused('relations');
/** No SQLite value is a pg enum. */
export const isPgEnum = (): false => false;
