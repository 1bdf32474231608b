// One body rule on both runtimes: a PATCH that carries no body at all, sent
// as curl -X PATCH sends it (no Content-Length, no Transfer-Encoding), is `{}`
// on Node as on the Worker. Written on a raw socket, byte for byte: fetch
// clients add framing of their own.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeServer, type NodeServer } from '../../src/node/server';
import { createdApp, db, env, newCaller, rawRow, type TestToken } from '../support/fixtures';

let server: NodeServer;
let caller: TestToken;
beforeAll(async () => {
  server = await startNodeServer({ db: db(), env: { ENCRYPTION_KEYRING: env.ENCRYPTION_KEYRING, TOKEN_CACHE_TTL_SECONDS: '0' }, port: 0, hostname: '127.0.0.1' });
  caller = await newCaller();
});
afterAll(() => server.close());

/** Sends `head` (request line and headers) with no body; the status code of the answer. */
function rawRequest(head: string[]): Promise<number> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1])));
    socket.on('error', reject);
  });
}

describe('a PATCH without a body on Node', () => {
  it('is {} (200, nothing changes) with no Content-Length, with or without a Content-Type', async () => {
    const app = await createdApp(caller.token);
    const base = [`PATCH /v1/oauth-apps/${app.id} HTTP/1.1`, `Host: ${new URL(server.url).host}`, `Authorization: Bearer ${caller.token}`];
    expect(await rawRequest(base)).toBe(200);
    expect(await rawRequest([...base, 'Content-Type: text/plain'])).toBe(200);
    expect((await rawRow(app.id))!.version).toBe(1);
  });
});
