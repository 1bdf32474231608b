// npm run client:check — the client as a user installs it (CI): `npm pack`
// of packages/client (which builds it to JS + .d.ts), installed into a
// scratch project outside the repository, whose consumer file must
// type-check and then, run against `npm run dev`, create an app and list it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_BASE, startDevServer } from './lib/dev-server';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run client:check\nnpm pack of packages/client, installed in a scratch project: it type-checks, and creates and lists against\nnpm run dev. Exit 1 on the first step that fails.";
commandLine({ usage: USAGE });

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules/.bin/tsc');

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`client:check: ${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

const CONSUMER = `import { createOAuthAppsClient, type ErrorCode } from '@oauth-apps-api/client';

// (No @types/node in this scratch project: the one Node global it reads.)
declare const process: { env: Record<string, string | undefined> };

const api = createOAuthAppsClient({ baseUrl: process.env.API!, token: process.env.TOKEN! });
const created = await api.POST('/v1/oauth-apps', {
  body: { provider: 'stripe', client_id: \`scratch-\${crypto.randomUUID()}\`, client_secret: \`sk-scratch-\${crypto.randomUUID()}\`, name: 'Scratch' },
  params: { header: { 'Idempotency-Key': crypto.randomUUID() } },
});
if (created.error) {
  const code: ErrorCode = created.error.code;
  throw new Error(\`create answered \${code}\`);
}
const page = await api.GET('/v1/oauth-apps', { params: { query: { limit: 20, truncate_secrets: true } } });
if (!page.data?.data.some((app) => app.id === created.data.id)) throw new Error('the created app is not listed');
console.log(\`created \${created.data.id} and listed it among \${page.data.data.length}\`);
`;

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'oauth-apps-client-'));
  try {
    run('npm', ['pack', '--pack-destination', scratch], join(root, 'packages/client'));
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', join(scratch, tarball)], scratch);
    writeFileSync(join(scratch, 'consumer.ts'), CONSUMER);
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, lib: ['ES2022', 'DOM'], types: [], outDir: 'out' },
        files: ['consumer.ts'],
      }),
    );
    run(tsc, ['-p', 'tsconfig.json'], scratch);
    console.log(`client:check: ${tarball} installed in ${scratch}; the consumer type-checks`);

    const dev = await startDevServer(root);
    try {
      const env = { ...process.env, API: DEV_BASE, TOKEN: dev.token };
      console.log(`client:check: ${run('node', ['out/consumer.js'], scratch, env).trim()} (against npm run dev)`);
    } finally {
      dev.stop();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await runScript(USAGE, main);
