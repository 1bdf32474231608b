// The Worker's handlers, given how to load its parts (the app, the scheduled
// work and the storage engine: src/worker.d1.ts or src/worker.libsql.ts).
// Isolate start-up only parses the bundle: the parts' modules are evaluated,
// and the app built, when the first request arrives. From source they are a
// dynamic import; the deployed builds hold them in one function instead
// (scripts/build-worker-parts.ts).
import type { App, createApp } from './app';
import type { StorageEngine } from './db/engine';
import type { Bindings } from './env';
import type { runScheduled } from './scheduled';

export interface WorkerParts {
  createApp: typeof createApp;
  runScheduled: typeof runScheduled;
  engine: StorageEngine;
}

export function workerHandlers(loadParts: () => Promise<WorkerParts>): ExportedHandler<Bindings> {
  let parts: Promise<WorkerParts> | undefined;
  let app: Promise<App> | undefined;
  const load = (): Promise<WorkerParts> =>
    (parts ??= loadParts().catch((err: unknown) => {
      parts = undefined; // let the next request try again
      throw err;
    }));
  const loadApp = (): Promise<App> =>
    (app ??= load().then(
      (p) => p.createApp(p.engine),
      (err: unknown) => {
        app = undefined;
        throw err;
      },
    ));

  return {
    async fetch(request, env, ctx) {
      return (await loadApp()).fetch(request, env, ctx);
    },
    async scheduled(controller, env) {
      const { runScheduled, engine } = await load();
      await runScheduled(engine.open(env, { writes: true }).db, env, new Date(controller.scheduledTime));
    },
  };
}
