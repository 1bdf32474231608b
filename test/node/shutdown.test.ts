// The Node server's stop, as an orchestrator stops it: SIGTERM stops
// accepting, lets a request in flight finish (its answer says Connection:
// close), closes the database and exits 0, waiting at most
// SHUTDOWN_TIMEOUT_SECONDS; SIGKILL loses nothing that was answered. Log lines
// are JSON with an ISO time, level, message (and a request's id).
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibsqlClient } from '../../src/db/libsql-node';
import { rememberSecret } from '../support/log-capture';
import { runScript, startNode, type NodeProcess } from '../support/node-process';

const cwd = mkdtempSync(join(tmpdir(), 'oauth-apps-shutdown-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(cwd, { recursive: true, force: true });
});

let token = '';
async function mintToken(): Promise<string> {
  if (token) return token;
  const minted = runScript(cwd, 'token-create', ['--libsql', '--account', 'ops', '--scopes', 'oauth_apps:read,oauth_apps:write']);
  expect(minted.status, minted.stderr).toBe(0);
  token = rememberSecret(minted.stdout.trim().split('\n').at(-1)!);
  return token;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

const waitFor = async (what: () => boolean, ms: number, label: string) => {
  const until = Date.now() + ms;
  while (!what()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** A create whose body is sent in two parts: in flight between them. */
function halfSentCreate(server: NodeProcess, bearer: string) {
  const { port } = new URL(server.url);
  const body = JSON.stringify({ provider: 'stripe', client_id: `c-${crypto.randomUUID()}`, client_secret: rememberSecret(`sk-test-${crypto.randomUUID()}`), name: 'In flight' });
  const socket: Socket = connect(Number(port), '127.0.0.1');
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString()));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /v1/oauth-apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`,
  );
  return { finish: () => socket.write(body.slice(20)), answer: () => answer, ended };
}

const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('SIGTERM', () => {
  it('stops accepting, finishes the request in flight, closes the database, exits 0; the write is there after', async () => {
    const server = await startNode(cwd, { SHUTDOWN_TIMEOUT_SECONDS: '20' }, children);
    const bearer = await mintToken();
    const create = halfSentCreate(server, bearer);
    await new Promise((r) => setTimeout(r, 300)); // the server has the headers and waits for the body
    server.child.kill('SIGTERM');
    await waitFor(() => server.output().includes('"msg":"shutting down"'), 10_000, 'shutting down');

    // No new connection is accepted.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    // The request in flight finishes, and its connection closes after it.
    create.finish();
    await create.ended;
    expect(create.answer()).toMatch(/^HTTP\/1\.1 200 /);
    expect(create.answer()).toMatch(/\r\nconnection: close\r\n/i);
    const { id } = JSON.parse(create.answer().slice(create.answer().indexOf('\r\n\r\n') + 4)) as { id: string };
    expect(await exited(server.child)).toBe(0);

    const lines = jsonLines(server.output());
    expect(lines.find((l) => l.msg === 'stopped')).toMatchObject({ level: 'info', signal: 'SIGTERM', in_flight: 1, cut_off: 0 });
    for (const line of lines) expect(line.time, JSON.stringify(line)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const request = lines.find((l) => l.msg === 'request' && l.method === 'POST');
    expect(request).toMatchObject({ level: 'info', status: 200 });
    expect(request!.request_id).toMatch(/^req_/);

    const again = await startNode(cwd, {}, children);
    const read = await fetch(`${again.url}/v1/oauth-apps/${id}`, { headers: { Authorization: `Bearer ${bearer}` } });
    expect(read.status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await exited(again.child)).toBe(0);
  }, 90_000);

  it('waits no longer than SHUTDOWN_TIMEOUT_SECONDS for a request that never finishes', async () => {
    const server = await startNode(cwd, { SHUTDOWN_TIMEOUT_SECONDS: '1' }, children);
    const create = halfSentCreate(server, await mintToken());
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await exited(server.child)).toBe(0);
    const took = Date.now() - signalled;
    await create.ended; // cut off by the server
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(10_000);
    expect(jsonLines(server.output()).find((l) => l.msg === 'stopped')).toMatchObject({ in_flight: 1, cut_off: 1 });
  }, 60_000);
});

describe('SIGKILL', () => {
  it('an answered write survives the process being killed: WAL, synced before the commit returns', async () => {
    const server = await startNode(cwd, {}, children);
    const bearer = await mintToken();
    const created = await fetch(`${server.url}/v1/oauth-apps`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ provider: 'github', client_id: `k-${crypto.randomUUID()}`, client_secret: rememberSecret(`sk-test-${crypto.randomUUID()}`), name: 'Killed after' }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    server.child.kill('SIGKILL');
    expect(await exited(server.child)).toBeNull();
    // The server itself is gone, not only a wrapper around it: nothing answers on its port.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    const again = await startNode(cwd, {}, children);
    const read = await fetch(`${again.url}/v1/oauth-apps/${id}`, { headers: { Authorization: `Bearer ${bearer}` } });
    expect(read.status).toBe(200);
    again.child.kill('SIGTERM');
    await exited(again.child);

    // The engine's guarantee: a WAL journal, synced on every commit.
    const client = await openLibsqlClient({ url: `file:${join(cwd, 'data', 'oauth-apps.db')}` });
    expect((await client.execute('PRAGMA journal_mode')).rows[0]).toMatchObject({ journal_mode: 'wal' });
    expect((await client.execute('PRAGMA synchronous')).rows[0]).toMatchObject({ synchronous: 2 }); // FULL
    client.close();
  }, 60_000);
});
