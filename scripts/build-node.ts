// npm run build: the Node server and its operator commands bundled by esbuild
// into dist/node/, run by plain `node` (npm start) with only the production
// dependencies installed: the packages of package.json "dependencies" stay
// imports, everything else (our code, the client package's source) is inlined.
// dist/node/ sits two folders below the project, as src/node/ does, so the
// bundles find migrations/ and public/ as the source does (src/node/project-files.ts).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run build\nBundles the Node server and its operator commands into dist/node/ (esbuild), for npm start with only the\nproduction dependencies installed.";
commandLine({ usage: USAGE });

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** What `npm run build` writes: dist/node/<name>.js, from the file each runs as today. */
const NODE_BUILD_ENTRIES = {
  main: 'src/node/main.ts',
  'token-create': 'scripts/token-create.ts',
  'token-list': 'scripts/token-list.ts',
  'token-revoke': 'scripts/token-revoke.ts',
  keys: 'scripts/keys.ts',
  'keyring-new': 'scripts/keyring-new.ts',
  'db-migrate-libsql': 'scripts/db-migrate-libsql.ts',
};

await runScript(USAGE, async () => {
  rmSync(new URL('../dist/node', import.meta.url), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(NODE_BUILD_ENTRIES).map(([name, file]) => [name, file])),
    outdir: 'dist/node',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // Each dependency (and its subpaths, e.g. drizzle-orm/libsql/node) is loaded from node_modules;
    // so are the devDependencies the commands' local-D1 paths load on demand (miniflare, wrangler).
    external: [...Object.keys(pkg.dependencies), 'miniflare', 'wrangler'].flatMap((name) => [name, `${name}/*`]),
    define: { OAUTH_APPS_BUILD: '"dist"' },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
  for (const [file, output] of outputs) console.log(`${file}  ${(output.bytes / 1024).toFixed(1)} KiB`);
  // Ours is ~100 KiB at most; megabytes mean a devDependency was inlined, which the
  // production install would then carry in the bundle (or fail on, as a dynamic require).
  const big = outputs.filter(([, output]) => output.bytes > 512 * 1024);
  if (big.length > 0) throw new Error(`${big.map(([file]) => file).join(', ')} over 512 KiB: a devDependency was bundled; load it on demand and list it as external`);
  console.log('Run: npm start (NODE_ENV=production needs ENCRYPTION_KEYRING); operator commands: node dist/node/<command>.js');
});
