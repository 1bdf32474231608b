// Stands in, in the Worker builds only (the [alias] of wrangler.toml and
// wrangler.libsql.toml, by the relative paths drizzle imports them with), for
// the drizzle modules this code never runs: relational queries (db.query and
// their relations), db.$count, pg-core's enum test, views, and the column
// types the schema does not use (custom, numeric, real). esbuild keeps a module
// whose classes have static fields even when nothing uses it (~12 KiB
// minified, 2.9 KiB gzip; the views and column types ~3 KiB minified more).
// Each stand-in throws if it is ever reached; tests and the Node server use
// drizzle whole (test/node/worker-build.test.ts runs each build).
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

// A table's callback is handed every column builder (columns/all.js); the schema uses blob, integer and text.
export const customType = unused('customType columns');
export const numeric = unused('numeric columns');
export const real = unused('real columns');
