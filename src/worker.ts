// The Worker's handlers, given how to load the storage engine. Isolate start-up
// only parses the bundle: the app's modules (hono, zod, drizzle and ours) are
// evaluated, and the app built, when the first request arrives. esbuild keeps a
// dynamically imported module's top level in a lazy initialiser, so nothing of
// it runs at start-up.
import type { App } from './app';
import type { StorageEngine } from './db/engine';
import type { Bindings } from './env';

export function workerHandlers(loadEngine: () => Promise<StorageEngine>): ExportedHandler<Bindings> {
  let app: Promise<App> | undefined;
  const loadApp = (): Promise<App> =>
    (app ??= Promise.all([import('./app'), loadEngine()]).then(
      ([m, engine]) => m.createApp(engine),
      (err: unknown) => {
        app = undefined; // let the next request try again
        throw err;
      },
    ));

  return {
    async fetch(request, env, ctx) {
      return (await loadApp()).fetch(request, env, ctx);
    },
    async scheduled(controller, env) {
      const [{ runScheduled }, engine] = await Promise.all([import('./scheduled'), loadEngine()]);
      await runScheduled(engine.open(env, { writes: true }).db, env, new Date(controller.scheduledTime));
    },
  };
}
