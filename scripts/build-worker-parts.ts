// npm run build:worker-parts (and wrangler's [build] command, before every
// wrangler dev, deploy and dry run of either Worker build): each Worker's
// parts (src/worker-parts.d1.ts, src/worker-parts.libsql.ts) bundled into
// .build/worker.<build>.js, whose one export, loadParts(), holds their whole
// code in one function. wrangler's [alias] puts it in place of
// src/worker.<build>.ts, which loads the same parts by dynamic import.
// Why: the parts must not run at start-up (src/worker.ts), and a dynamic
// import makes wrangler's esbuild keep each of their ~180 modules in its own
// lazy initialiser with every top-level name hoisted out of it (3.6 KiB gzip
// of the D1 build). In one function their code is minified as plain code.
// Here too drizzle's relational queries, db.$count and pg-core's enum test,
// which this code never runs, are replaced by src/db/drizzle-unused.ts:
// esbuild keeps a module whose classes have static fields even when nothing
// uses it (~11 KiB minified).
// Tests and the Node server use the source files.
import { build, type Plugin } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, runScript } from './lib/cli';
import { UNUSED_DRIZZLE, WORKER_PARTS } from './lib/worker-parts';

const USAGE = "Usage: npm run build:worker-parts\nBundles each Worker build's parts (src/worker-parts.d1.ts, src/worker-parts.libsql.ts) into .build/, each in\none function, as wrangler.toml's and wrangler.libsql.toml's [build] command does before wrangler dev or deploy.";
commandLine({ usage: USAGE });

const root = fileURLToPath(new URL('..', import.meta.url));

const drizzle = join(root, 'node_modules', 'drizzle-orm');
const unused = new Set(UNUSED_DRIZZLE.map((file) => join(drizzle, file)));

const drizzleUnused: Plugin = {
  name: 'drizzle-unused',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(drizzle)) return undefined;
      return unused.has(resolve(dirname(args.importer), args.path)) ? { path: join(root, 'src/db/drizzle-unused.ts') } : undefined;
    });
  },
};

await runScript(USAGE, async () => {
  const result = await build({
    absWorkingDir: root,
    entryPoints: WORKER_PARTS,
    outdir: '.build',
    bundle: true,
    // An IIFE that returns the parts' exports, inside loadParts(): evaluated when called, and each time.
    format: 'iife',
    globalName: 'parts',
    banner: { js: 'export function loadParts() {' },
    footer: { js: 'return Promise.resolve(parts);\n}' },
    // As wrangler 4.86 bundles a Worker (its COMMON_ESBUILD_OPTIONS and build conditions).
    target: 'es2024',
    conditions: ['workerd', 'worker', 'browser'],
    // Not minified here: wrangler minifies the whole Worker, and reads this map through to src/.
    sourcemap: 'linked',
    plugins: [drizzleUnused],
    logLevel: 'warning',
    write: false,
  });
  // Each file whole or not at all: several wrangler processes (tests, dev) may build at once.
  mkdirSync(join(root, '.build'), { recursive: true });
  for (const file of result.outputFiles) {
    const partial = `${file.path}.${process.pid}.tmp`;
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
});
