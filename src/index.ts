// Worker entry point. Isolate start-up only parses the bundle: the app's
// modules (hono, zod, drizzle and ours) are evaluated, and the app built, when
// the first request arrives. esbuild keeps a dynamically imported module's top
// level in a lazy initialiser, so nothing of it runs at start-up.
import type { App } from './app';
import type { Bindings } from './env';

let app: Promise<App> | undefined;

function loadApp(): Promise<App> {
  app ??= import('./app').then(
    (m) => m.createApp(),
    (err: unknown) => {
      app = undefined; // let the next request try again
      throw err;
    },
  );
  return app;
}

export default {
  async fetch(request, env, ctx) {
    return (await loadApp()).fetch(request, env, ctx);
  },
  async scheduled(controller, env) {
    const { runScheduled } = await import('./scheduled');
    await runScheduled(env, new Date(controller.scheduledTime));
  },
} satisfies ExportedHandler<Bindings>;
