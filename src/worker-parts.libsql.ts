// What the libSQL Worker (src/index.libsql.ts) loads on its first request, as
// src/worker-parts.d1.ts does, with libSQL over HTTP when LIBSQL_URL is set.
export { createApp } from './app';
export { runScheduled } from './scheduled';
export { libsqlOrD1Engine as engine } from './db/libsql-web';
