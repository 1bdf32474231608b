// Stands in, in the Worker builds only (the [alias] of wrangler.toml and
// wrangler.libsql.toml, by the relative paths hono imports them with), for
// the parts of hono this code never runs: c.req.parseBody() (form bodies),
// c.html() of an HTML-escaped object (c.html() of a string needs nothing),
// and app.mount() of another framework's app. Class methods reach them, so
// esbuild keeps them otherwise (~3 KiB minified). Each throws if reached;
// tests and the Node server use hono whole (test/node/worker-build.test.ts
// runs each build).
const unused = (what: string) => (): never => {
  throw new Error(`hono's ${what} is not in this build (src/http/hono-unused.ts)`);
};

export const parseBody = unused('c.req.parseBody()');
export const HtmlEscapedCallbackPhase = { Stringify: 1 } as const;
export const resolveCallback = unused('c.html() of an escaped object');
export const createMountedRequest = unused('app.mount()');
