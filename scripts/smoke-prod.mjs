// The production Node path, as CI runs it last on a fresh clone:
//   npm ci && npm run build && npm prune --omit=dev && node scripts/smoke-prod.mjs
// Plain JavaScript on plain node: after the prune there is no tsx. It checks
// that devDependencies are gone, that a bad keyring stops `npm start` with
// exit code 2, then runs `npm start` with NODE_ENV=production, mints a token
// with the command its banner prints, creates and lists an app, asks both
// probes, stops it with SIGTERM (exit 0), and prints the install's size.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USAGE = `Usage: node scripts/smoke-prod.mjs
After npm run build and npm prune --omit=dev: npm start with NODE_ENV=production and only the production
dependencies, a bad keyring exiting 2, the built token command, a create and a list, the probes, SIGTERM exiting 0.`;
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  console.error(`unexpected argument "${args[0]}"\n\n${USAGE}`);
  process.exit(2);
}

const PORT = '8790';
const base = `http://127.0.0.1:${PORT}`;
const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-prod-'));

function check(condition, message) {
  if (!condition) throw new Error(`smoke:prod: ${message}`);
}

/** Bytes under a folder, following no links (du -s, in JavaScript: no dependency on coreutils' flags). */
function sizeOf(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    total += sizeOf(join(path, entry.name));
  }
  return total;
}

async function main() {
  for (const dev of ['tsx', 'wrangler', 'vitest', 'esbuild']) {
    check(!existsSync(join('node_modules', dev)), `node_modules/${dev} is installed: run npm prune --omit=dev first`);
  }
  check(existsSync('dist/node/main.js'), 'no dist/node/main.js: run npm run build first');

  const keyringRun = spawnSync(process.execPath, ['dist/node/keyring-new.js'], { encoding: 'utf8' });
  check(keyringRun.status === 0, `keyring-new failed: ${keyringRun.stderr}`);
  const keyring = keyringRun.stdout.trim();
  const env = { ...process.env, NODE_ENV: 'production', PORT, LIBSQL_URL: `file:${join(dir, 'prod.db')}`, ENCRYPTION_KEYRING: keyring };

  // A keyring that does not parse: exit 2, one line, before anything is opened.
  const refused = spawnSync('npm', ['start', '--silent'], { env: { ...env, ENCRYPTION_KEYRING: '{bad' }, encoding: 'utf8' });
  check(refused.status === 2, `a bad keyring exited ${refused.status}, not 2:\n${refused.stderr}`);
  check(refused.stderr.includes('Configuration error: ENCRYPTION_KEYRING is not valid JSON'), `unexpected refusal:\n${refused.stderr}`);
  check(!existsSync(join(dir, 'prod.db')), 'the refused start created the database');

  const server = spawn('npm', ['start'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  server.stdout.on('data', (c) => (output += c.toString()));
  server.stderr.on('data', (c) => (output += c.toString()));
  const exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  try {
    const started = Date.now();
    while (!output.includes('Then:')) {
      check(server.exitCode === null, `npm start exited early:\n${output}`);
      check(Date.now() - started < 30_000, `no banner within 30 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const command = /^\s+(node dist\/node\/token-create\.js --libsql .*)$/m.exec(output)?.[1];
    check(command, `the banner does not print the built token command:\n${output}`);
    const minted = spawnSync('bash', ['-c', command.replace('<name>', 'smoke-prod')], { env, encoding: 'utf8' });
    check(minted.status === 0, `the printed token command failed:\n${minted.stderr}`);
    const token = minted.stdout.trim().split('\n').at(-1);
    check(/^oat_[A-Za-z0-9_-]{43}$/.test(token), 'the token command did not print a token last');
    const auth = { Authorization: `Bearer ${token}` };

    for (const probe of ['/healthz', '/readyz']) {
      const res = await fetch(`${base}${probe}`);
      check(res.status === 200, `${probe} answered ${res.status}: ${await res.text()}`);
    }
    const clientId = `smoke-${crypto.randomUUID()}`;
    const created = await fetch(`${base}/v1/oauth-apps`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ provider: 'stripe', client_id: clientId, client_secret: `sk-prod-${crypto.randomUUID()}`, name: 'Production smoke' }),
    });
    const createdText = await created.text();
    check(created.status === 200, `create answered ${created.status}: ${createdText}`);
    const app = JSON.parse(createdText);
    check(app.client_secret === '**********', 'the secret was not masked');
    const listed = await fetch(`${base}/v1/oauth-apps`, { headers: auth });
    check(listed.status === 200, `list answered ${listed.status}`);
    const page = await listed.json();
    check(page.data.some((a) => a.id === app.id && a.client_id === clientId), 'the list does not hold the app just created');
  } finally {
    server.kill('SIGTERM'); // npm passes it on to node
  }
  const code = await exited;
  check(code === 0, `npm start exited ${code} after SIGTERM:\n${output}`);
  check(/"msg":"stopped"/.test(output), `no "stopped" log line:\n${output}`);

  const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  console.log(
    `smoke:prod ok: npm start (NODE_ENV=production, production dependencies only) served ${base}; a bad keyring exited 2; ` +
      `the built token command minted a token; create, list, /healthz, /readyz answered 200; SIGTERM exited 0. ` +
      `Install: node_modules ${mib(sizeOf('node_modules'))} MiB, dist/ ${mib(sizeOf('dist'))} MiB`,
  );
}

await main()
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
