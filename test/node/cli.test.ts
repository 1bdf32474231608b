// Every npm script's command line, by the rules of scripts/lib/cli.ts:
// --help answers on stdout ("Usage: …"), exits 0 and does nothing; a flag it
// does not take, or a missing argument, exits 2 with the usage; a failure
// while working exits 1 with one line, never a stack; today's target flags
// still work as aliases.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToEnd, type Finished } from '../support/node-process';

const ROOT = resolve('.');
const cwd = mkdtempSync(join(tmpdir(), 'oauth-apps-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Each npm script of package.json, as the command it runs. */
const SCRIPTS: Record<string, string[]> = {
  dev: ['scripts/dev.ts'],
  'start:node': ['src/node/main.ts'],
  build: ['scripts/build-node.ts'],
  'token:create': ['scripts/token-create.ts'],
  'token:list': ['scripts/token-list.ts'],
  'token:revoke': ['scripts/token-revoke.ts'],
  'keys:status': ['scripts/keys.ts', 'status'],
  'keys:rotate': ['scripts/keys.ts', 'rotate'],
  'keys:add': ['scripts/keys.ts', 'add'],
  'keys:primary': ['scripts/keys.ts', 'primary'],
  'keys:retire': ['scripts/keys.ts', 'retire'],
  'keyring:new': ['scripts/keyring-new.ts'],
  'db:migrate:local': ['scripts/db-migrate.ts', '--local'],
  'db:migrate:remote': ['scripts/db-migrate.ts', '--remote'],
  'db:migrate:libsql': ['scripts/db-migrate-libsql.ts'],
  budgets: ['scripts/budgets.ts'],
  'smoke:dev': ['scripts/smoke-dev.ts'],
  'smoke:node': ['scripts/smoke-node.ts'],
  'bench:list': ['scripts/bench-list.ts'],
  'bench:engines': ['scripts/bench-engines.ts'],
  bench: ['scripts/bench.ts'],
  'bench:cpu': ['scripts/bench-cpu.ts'],
  'bench:profile': ['scripts/bench-profile.ts'],
  openapi: ['scripts/openapi.ts'],
  'contract:judges': ['scripts/contract-judges.ts'],
  'docs:browser': ['scripts/docs-browser.ts'],
  'client:check': ['scripts/client-package-check.ts'],
};

type Run = Finished;

const run = (command: string[], extra: Record<string, string> = {}): Promise<Run> =>
  runToEnd(join(ROOT, command[0]!), command.slice(1), cwd, extra);

/** At most `n` at once: each is a tsx process. */
async function all<T>(items: T[], n: number, work: (item: T) => Promise<Run>): Promise<Run[]> {
  const results: Run[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

const noStack = (text: string) => !/\n\s+at .+:\d+:\d+/.test(text);
const GENERATED = ['public/openapi.json', 'public/docs.html', 'packages/client/src/api.ts'].map((f) => join(ROOT, f));

describe('every npm script', () => {
  const names = Object.keys(SCRIPTS);
  const commands = [...names.map((n) => SCRIPTS[n]!), ['scripts/smoke-prod.mjs']];

  it('--help: "Usage:" first on stdout, exit 0, nothing done (no file written, here or in the checkout)', async () => {
    const before = GENERATED.map((f) => statSync(f).mtimeMs);
    const runs = await all(commands, 4, (c) => run([...c, '--help']));
    runs.forEach((r, i) => {
      const what = commands[i]!.join(' ');
      expect(r.status, `${what}: ${r.stderr}`).toBe(0);
      expect(r.stdout.startsWith('Usage: '), `${what}: ${r.stdout}`).toBe(true);
    });
    expect(readdirSync(cwd)).toEqual([]);
    expect(GENERATED.map((f) => statSync(f).mtimeMs)).toEqual(before);
  }, 240_000);

  it('a flag it does not take: exit 2, the message and the usage on stderr, nothing done', async () => {
    // npm run dev passes what is not --help on to wrangler dev, which judges it.
    const own = commands.filter((c) => c[0] !== 'scripts/dev.ts');
    const runs = await all(own, 4, (c) => run([...c, '--no-such-flag']));
    runs.forEach((r, i) => {
      const what = own[i]!.join(' ');
      expect(r.status, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toContain('--no-such-flag');
      expect(r.stderr, what).toContain('Usage: ');
      expect(noStack(r.stderr), what).toBe(true);
    });
    expect(readdirSync(cwd)).toEqual([]);
  }, 240_000);

  it('a missing argument: exit 2 with the usage', async () => {
    const cases = [
      ['scripts/token-create.ts', '--node'], // no --account
      ['scripts/token-revoke.ts', '--node'], // no token id
      ['scripts/keys.ts'], // no command
      ['scripts/keys.ts', 'add'], // no --id
      ['scripts/keys.ts', 'unknown-command'],
    ];
    const runs = await all(cases, 4, (c) => run(c));
    runs.forEach((r, i) => {
      expect(r.status, `${cases[i]!.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('Usage: ');
    });
  }, 120_000);

  it('a failure while working: exit 1, one line, no stack', async () => {
    const cases: [string[], string][] = [
      [['scripts/token-create.ts', '--account', 'a', '--libsql-url', 'ftp://nowhere.example/db'], 'LIBSQL_URL cannot be opened'],
      [['scripts/db-migrate-libsql.ts', '--libsql-url', 'ftp://nowhere.example/db'], 'LIBSQL_URL cannot be opened'],
      [['scripts/keys.ts', 'status', '--url', 'https://api.example.com'], 'set OAUTH_APPS_OPERATOR_TOKEN'],
    ];
    const runs = await all(cases, 3, ([c]) => run(c));
    runs.forEach((r, i) => {
      const [command, message] = cases[i]!;
      expect(r.status, `${command.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(`Error: `);
      expect(r.stderr).toContain(message);
    });
  }, 120_000);
});

describe("today's target flags, kept as aliases", () => {
  it('--libsql is --node for token:*, and two targets at once are refused (exit 2)', async () => {
    const db = `file:${join(cwd, 'alias.db')}`;
    const [viaLibsql, viaNode, viaUrl] = await all(
      [
        ['scripts/token-create.ts', '--account', 'alias', '--libsql'],
        ['scripts/token-list.ts', '--node', '--json'],
        ['scripts/token-list.ts', '--libsql-url', db, '--json'],
      ],
      1,
      (c) => run(c, { LIBSQL_URL: db }),
    );
    expect(viaLibsql!.status, viaLibsql!.stderr).toBe(0);
    expect(viaLibsql!.stdout.trim().split('\n').at(-1)).toMatch(/^oat_[A-Za-z0-9_-]{43}$/); // the token, alone, last
    for (const listed of [viaNode!, viaUrl!]) {
      expect(listed.status, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { account: string }[]).map((t) => t.account)).toEqual(['alias']);
    }
    const refused = await all(
      [
        ['scripts/token-list.ts', '--libsql', '--remote'],
        ['scripts/token-list.ts', '--node', '--local'],
        ['scripts/keys.ts', 'status', '--libsql', '--url', 'https://api.example.com'],
        ['scripts/keys.ts', 'status', '--node', '--local'],
      ],
      4,
      (c) => run(c),
    );
    for (const r of refused) {
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain('exclude each other');
    }
    rmSync(join(cwd, 'alias.db'), { force: true });
    for (const f of readdirSync(cwd)) rmSync(join(cwd, f), { recursive: true, force: true });
  }, 120_000);
});
