// The operator commands as an operator runs them, against a Node server
// process on a libSQL file: token:create / token:list / token:revoke, and
// keys:add / keys:status / keys:retire / keys:rotate through a whole rotation.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rememberSecret } from '../support/log-capture';
import { runScript, startNode, stopNode } from '../support/node-process';
import { freePort } from '../support/sqld';

const cwd = mkdtempSync(join(tmpdir(), 'oauth-apps-operator-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(cwd, { recursive: true, force: true });
});

const APPS = 30;

describe('operator commands against a running Node server', () => {
  it('tokens: list never shows a token; a revoked token is 401; a whole rotation k1 -> k2 with retire refused, then allowed', async () => {
    const port = String(await freePort());
    // The cache off: a revocation shows at once (README: within the window otherwise).
    const settings = { PORT: port, TOKEN_CACHE_TTL_SECONDS: '0' };
    let server = await startNode(cwd, settings, children);
    const firstKey = (JSON.parse(/^ENCRYPTION_KEYRING='(.*)'$/m.exec(readFileSync(join(cwd, '.dev.vars'), 'utf8'))![1]!) as { primary: string }).primary;

    const minted = runScript(cwd, 'token-create', ['--libsql', '--account', 'acme', '--scopes', 'oauth_apps:read,oauth_apps:write,oauth_apps:secrets', '--expires', '2h']);
    expect(minted.status, minted.stderr).toBe(0);
    expect(minted.stderr).toMatch(/expires \d{4}-/);
    const token = rememberSecret(minted.stdout.trim());
    const auth = { Authorization: `Bearer ${token}` };
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, { ...init, headers: { ...auth, 'Content-Type': 'application/json', ...init.headers } });

    const secrets = new Map<string, string>();
    for (let i = 0; i < APPS; i++) {
      const secret = rememberSecret(`sk-test-${crypto.randomUUID()}`);
      const res = await api('/v1/oauth-apps', {
        method: 'POST',
        body: JSON.stringify({ provider: 'github', client_id: `c${i}`, client_secret: secret, name: `App ${i}` }),
      });
      expect(res.status).toBe(200);
      secrets.set(((await res.json()) as { id: string }).id, secret);
    }

    // token:list: prefix, account, scopes, times; never the token or its hash.
    const listed = runScript(cwd, 'token-list', ['--libsql', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    const tokens = JSON.parse(listed.stdout) as { id: string; prefix: string; account: string; last_used_at: string | null; expires_at: string | null }[];
    const ours = tokens.find((t) => token.startsWith(t.prefix) && t.account === 'acme')!;
    expect(ours.last_used_at).not.toBeNull();
    expect(ours.expires_at).not.toBeNull();
    const table = runScript(cwd, 'token-list', ['--libsql', '--account', 'acme']);
    for (const output of [listed.stdout, table.stdout, listed.stderr, table.stderr]) {
      expect(output).not.toContain(token);
      expect(output).not.toMatch(/[0-9a-f]{64}/); // no hash
    }
    expect(table.stdout).toContain(`${ours.prefix}…`);

    // keys:add k2 as primary, restart to load it.
    await stopNode(server.child);
    const added = runScript(cwd, 'keys', ['add', '--id', 'k2', '--primary']);
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toBe(''); // key material is never printed
    server = await startNode(cwd, settings, children);

    const status = runScript(cwd, 'keys', ['status', '--node', '--json'], { PORT: port });
    expect(status.status, status.stderr).toBe(0);
    const before = JSON.parse(status.stdout) as { primary: string; pending: number; data: { id: string; secrets: number }[] };
    expect(before.primary).toBe('k2');
    expect(before.pending).toBe(APPS);
    expect(before.data.find((k) => k.id === firstKey)!.secrets).toBe(APPS);

    // The deployed path (--url with an operator token from the environment), here against the same server.
    const operator = runScript(cwd, 'token-create', ['--libsql', '--account', 'operator', '--scopes', 'keys:manage', '--expires', '1h']);
    expect(operator.status, operator.stderr).toBe(0);
    const operatorToken = rememberSecret(operator.stdout.trim());
    const viaUrl = runScript(cwd, 'keys', ['status', '--url', server.url], { OAUTH_APPS_OPERATOR_TOKEN: operatorToken });
    expect(viaUrl.status, viaUrl.stderr).toBe(0);
    expect(viaUrl.stdout).toMatch(new RegExp(`^${firstKey}\\s+yes\\s+${APPS}\\s+0$`, 'm'));
    expect(viaUrl.stdout).toContain(`pending re-encryption: ${APPS}`);
    const noToken = runScript(cwd, 'keys', ['status', '--url', server.url]);
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toContain('set OAUTH_APPS_OPERATOR_TOKEN');

    const refused = runScript(cwd, 'keys', ['retire', '--id', firstKey, '--node'], { PORT: port });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`refusing to retire "${firstKey}": it still protects ${APPS} secret(s)`);
    expect(readFileSync(join(cwd, '.dev.vars'), 'utf8')).toContain(`"${firstKey}"`);

    const rotated = runScript(cwd, 'keys', ['rotate', '--node', '--batch', '7'], { PORT: port });
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stderr).toMatch(new RegExp(`\\] ${APPS}/${APPS} 100% · \\d+ rows/s · ETA 0s`));
    expect(rotated.stderr).toContain(`Done: ${APPS} re-encrypted`);
    // Resumable and idempotent: a second run finds nothing to do.
    const again = runScript(cwd, 'keys', ['rotate', '--node'], { PORT: port });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('Done: 0 re-encrypted');

    const retired = runScript(cwd, 'keys', ['retire', '--id', firstKey, '--node'], { PORT: port });
    expect(retired.status, retired.stderr).toBe(0);
    expect(readFileSync(join(cwd, '.dev.vars'), 'utf8')).not.toContain(`"${firstKey}"`);

    // Restarted with k2 alone: every secret reads back, health ok.
    await stopNode(server.child);
    server = await startNode(cwd, settings, children);
    const page = (await (await api('/v1/oauth-apps?truncate_secrets=false')).json()) as {
      data: { id: string; client_secret: string; health: { status: string } }[];
    };
    expect(page.data).toHaveLength(APPS);
    for (const app of page.data) {
      expect(app.client_secret).toBe(secrets.get(app.id));
      expect(app.health.status).toBe('ok');
    }
    const events = (await (await api('/v1/events?action=oauth_app.secret_reencrypted')).json()) as { data: unknown[] };
    expect(events.data).toHaveLength(APPS);

    // token:revoke by prefix: 401 from the next request on.
    const revoked = runScript(cwd, 'token-revoke', [ours.prefix, '--libsql']);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).not.toContain(token);
    expect((await api('/v1/oauth-apps')).status).toBe(401);
    const after = runScript(cwd, 'token-list', ['--libsql', '--account', 'acme']);
    expect(after.stdout).toMatch(/revoked\s*$/m);
    // A whole token given by mistake is refused, not echoed.
    const pasted = runScript(cwd, 'token-revoke', [token, '--libsql']);
    expect(pasted.status).toBe(2); // a usage error

    expect(pasted.stderr).not.toContain(token);

    await stopNode(server.child);
    expect(server.output().includes(token)).toBe(false);
  }, 180_000);

  it('.dev.vars serves both local databases: keys:retire refuses while the other still holds secrets under the key; keys:status says when a server runs another keyring than the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-shared-keyring-'));
    try {
      const port = String(await freePort());
      // The Node server's default file holds one app under the first key.
      let server = await startNode(dir, { PORT: port }, children);
      const first = (JSON.parse(/^ENCRYPTION_KEYRING='(.*)'$/m.exec(readFileSync(join(dir, '.dev.vars'), 'utf8'))![1]!) as { primary: string }).primary;
      const minted = runScript(dir, 'token-create', ['--node', '--account', 'acme']);
      expect(minted.status, minted.stderr).toBe(0);
      const bearer = rememberSecret(minted.stdout.trim().split('\n').at(-1)!);
      const created = await fetch(`${server.url}/v1/oauth-apps`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ provider: 'stripe', client_id: 'shared', client_secret: rememberSecret(`sk-test-${crypto.randomUUID()}`), name: 'Shared keyring' }),
      });
      expect(created.status).toBe(200);
      await stopNode(server.child);

      // A server on another database with the same .dev.vars, k2 its primary: nothing there under the first key.
      expect(runScript(dir, 'keys', ['add', '--id', 'k2', '--primary']).status).toBe(0);
      const other = { PORT: port, LIBSQL_URL: 'file:./other.db' };
      server = await startNode(dir, other, children);
      const same = runScript(dir, 'keys', ['status', '--node'], other);
      expect(same.status, same.stderr).toBe(0);
      expect(same.stderr).not.toContain('another keyring');

      // The file changes, the server is not restarted: keys:status says so.
      expect(runScript(dir, 'keys', ['add', '--id', 'k3']).status).toBe(0);
      const stale = runScript(dir, 'keys', ['status', '--node'], other);
      expect(stale.status, stale.stderr).toBe(0);
      expect(stale.stderr).toContain(`${server.url} runs with another keyring than .dev.vars`);

      // The server it targets would allow it; the default file still needs the key.
      const refused = runScript(dir, 'keys', ['retire', '--id', first, '--node'], other);
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stderr).toContain(`refusing to retire "${first}" from .dev.vars: it still protects 1 secret(s) in the Node server's ./data/oauth-apps.db`);
      expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).toContain(`"${first}"`);
      await stopNode(server.child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
