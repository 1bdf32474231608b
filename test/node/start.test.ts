// `npm run start:node` as a new user runs it: nothing configured, an empty
// directory. It creates the database file and a local keyring, migrates,
// serves the API, and says how to get a token; the token command then works
// against the same file. Also: what it refuses to start with.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rememberSecret } from '../support/log-capture';
import { MAIN, bareEnv as bareEnvIn, script, startNode, stopNode as stop, TSX } from '../support/node-process';

const TOKEN_CREATE = script('token-create');
const cwd = mkdtempSync(join(tmpdir(), 'oauth-apps-start-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(cwd, { recursive: true, force: true });
});

const bareEnv = (extra: Record<string, string> = {}) => bareEnvIn(cwd, extra);
const start = (extra: Record<string, string> = {}) => startNode(cwd, extra, children);

describe('npm run start:node with nothing configured', () => {
  it('serves the API on ./data/oauth-apps.db, says how to get a token, and keeps data across restarts', async () => {
    const first = await start();
    expect(first.output()).toMatch(/Storage: libSQL, file:\.\/data\/oauth-apps\.db; migrations applied: 0000_init\.sql, 0001_lifecycle\.sql, 0002_custody\.sql/);
    expect(first.output()).toContain('npm run token:create -- --libsql --account <name>');
    expect(first.output()).toContain('Encryption keyring: a new local keyring in .dev.vars');
    expect(existsSync(join(cwd, 'data', 'oauth-apps.db'))).toBe(true);
    expect(readFileSync(join(cwd, '.dev.vars'), 'utf8')).toMatch(/^ENCRYPTION_KEYRING='\{/m);
    expect(statSync(join(cwd, '.dev.vars')).mode & 0o777).toBe(0o600);

    const anonymous = await fetch(`${first.url}/v1/oauth-apps`);
    expect(anonymous.status).toBe(401);
    await anonymous.text();

    // The printed command, against the same file, while the server runs.
    const minted = spawnSync(
      TSX,
      [TOKEN_CREATE, '--libsql', '--account', 'me', '--scopes', 'oauth_apps:read,oauth_apps:write,oauth_apps:secrets'],
      { cwd, env: bareEnv(), encoding: 'utf8' },
    );
    expect(minted.status, minted.stderr).toBe(0);
    const token = rememberSecret(minted.stdout.trim().split('\n').at(-1)!);
    expect(token).toMatch(/^oat_[A-Za-z0-9_-]{43}$/);
    const auth = { Authorization: `Bearer ${token}` };
    const secret = rememberSecret(`sk-test-${crypto.randomUUID()}`);
    const created = await fetch(`${first.url}/v1/oauth-apps`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ provider: 'stripe', client_id: 'c1', client_secret: secret, name: 'First run' }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    await stop(first.child);

    // Second start: nothing to migrate, same keyring, the app and its secret are there.
    const second = await start();
    expect(second.output()).toContain('migrations up to date');
    expect(second.output()).toContain('Encryption keyring: the local keyring in .dev.vars');
    const read = await fetch(`${second.url}/v1/oauth-apps/${id}?truncate_secrets=false`, { headers: auth });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { client_secret: string }).client_secret).toBe(secret);
    await stop(second.child);

    // Its logs (a JSON line per request) hold neither the token nor the secret.
    for (const output of [first.output(), second.output()]) {
      expect(output).toMatch(/"msg":"request"/);
      expect(output.includes(token) || output.includes(secret)).toBe(false);
    }
  }, 90_000);
});

describe('what it refuses to start with', () => {
  const refuse = (extra: Record<string, string>) => spawnSync(TSX, [MAIN], { cwd, env: bareEnv(extra), encoding: 'utf8' });

  it('NODE_ENV=production without ENCRYPTION_KEYRING: exit 2, saying so, no stack', () => {
    const run = refuse({ NODE_ENV: 'production' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Configuration error: ENCRYPTION_KEYRING is required when NODE_ENV=production');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('a LIBSQL_URL it cannot open: exit 2, without repeating the URL', () => {
    const run = refuse({ LIBSQL_URL: 'ftp://user:hunter2@example.com/db?authToken=hunter2' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Configuration error: LIBSQL_URL cannot be opened/);
    expect(run.stderr).not.toContain('hunter2');
  }, 30_000);

  it('a PORT that is not a port: exit 2', () => {
    const run = refuse({ PORT: '99999' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('PORT must be an integer from 0 to 65535');
  }, 30_000);
});
