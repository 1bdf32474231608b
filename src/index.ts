// Worker entry point. The app (routes, schemas) is built on the first request
// rather than at module load, which keeps the isolate's start-up CPU small.
import { createApp, type App } from './app';
import type { Bindings } from './env';

let app: App | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp();
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
