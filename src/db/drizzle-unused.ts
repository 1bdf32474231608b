// Stands in, in the deployed Worker builds only (scripts/build-worker-parts.ts),
// for the drizzle modules this code never runs: relational queries (db.query
// and their relations), db.$count and pg-core's enum test. esbuild keeps a
// module whose classes have static fields even when nothing uses it (~11 KiB
// minified). Each stand-in throws if it is ever reached.
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
