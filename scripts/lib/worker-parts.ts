// What scripts/build-worker-parts.ts builds, for it and for the tests that
// hold wrangler.toml and wrangler.libsql.toml to it.

/** .build/<name>.js, what each build's [alias] puts in place of src/<name>.ts, from that build's parts. */
export const WORKER_PARTS = { 'worker.d1': 'src/worker-parts.d1.ts', 'worker.libsql': 'src/worker-parts.libsql.ts' };

/** drizzle's modules this code never runs (relational queries, db.$count, pg-core), by path inside the package. */
export const UNUSED_DRIZZLE = ['relations.js', 'sqlite-core/query-builders/query.js', 'sqlite-core/query-builders/count.js', 'pg-core/columns/enum.js'];
