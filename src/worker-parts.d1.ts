// What the D1 Worker (src/index.ts) loads on its first request: the app, the
// scheduled work and the storage engine (src/worker.d1.ts loads it).
export { createApp } from './app';
export { runScheduled } from './scheduled';
export { d1Engine as engine } from './db/d1';
