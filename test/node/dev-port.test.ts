// npm run dev when port 8787 is taken, on IPv4 or IPv6 loopback: one line,
// exit 1, before anything is made (no keyring, no wrangler, no stack).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bareEnv, TSX } from '../support/node-process';

const cwd = mkdtempSync(join(tmpdir(), 'oauth-apps-dev-port-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const listen = (host: string) =>
  new Promise<Server | undefined>((done) => {
    const server = createServer();
    server.once('error', () => done(undefined)); // taken already (e.g. a developer's npm run dev), or no such address
    server.listen(8787, host, () => done(server));
  });

for (const host of ['127.0.0.1', '::1']) {
  it(`port 8787 taken on ${host}: exit 1, one line naming it, nothing made`, async () => {
    const holder = await listen(host);
    if (!holder && host === '::1') return; // no IPv6 loopback here
    try {
      const run = spawnSync(TSX, [resolve('scripts/dev.ts')], { cwd, env: bareEnv(cwd), encoding: 'utf8', timeout: 30_000 });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^Error: port 8787 is in use on (127\.0\.0\.1|::1)/);
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      await new Promise((r) => (holder ? holder.close(r) : r(undefined)));
    }
  }, 40_000);
}
