// /readyz on Node, where storage can be made to fail and its queries counted:
// a database without the schema is not ready; probes, however many, cost
// storage one query per STORAGE_CHECK_TTL_MS; a server shutting down is not ready.
import { createClient, type Client } from '@libsql/client';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { singlePrimaryEngine } from '../../src/db/libsql';
import { libsqlNodeDatabase } from '../../src/db/libsql-node';
import type { Bindings } from '../../src/env';
import { STORAGE_CHECK_TTL_MS } from '../../src/http/probes';
import { checkContract } from '../support/contract';

const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-probes-'));
const clients: Client[] = [];
afterAll(() => {
  for (const c of clients) c.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => vi.useRealTimers());

const env: Bindings = {
  ENCRYPTION_KEYRING: JSON.stringify({ primary: 'k1', keys: { k1: randomBytes(32).toString('base64') } }),
};

/** A libSQL file database whose statements are counted. */
async function countedDatabase(name: string, migrate: boolean) {
  const client = createClient({ url: `file:${join(dir, name)}` });
  clients.push(client);
  if (migrate) await applyLibsqlMigrations(client);
  const counter = { statements: 0 };
  const counted = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'execute' || prop === 'batch') counter.statements++;
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { db: libsqlNodeDatabase(counted), counter };
}

async function probe(app: ReturnType<typeof createApp>, appEnv: Bindings = env): Promise<Response> {
  const req = new Request('http://node.test/readyz');
  const res = await app.fetch(req.clone(), appEnv);
  await checkContract(req, res.clone());
  return res;
}

describe('GET /readyz on Node', () => {
  it('a database without the schema (no migrations applied) is not ready: failed_check storage', async () => {
    const { db } = await countedDatabase('empty.db', false);
    const res = await probe(createApp(singlePrimaryEngine(db)));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'not_ready', failed_check: 'storage' });
  });

  it('probes cost storage one query per interval, however many arrive, concurrently or not', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { db, counter } = await countedDatabase('counted.db', true);
    const app = createApp(singlePrimaryEngine(db));
    const before = counter.statements;
    const burst = await Promise.all(Array.from({ length: 100 }, () => probe(app)));
    for (let i = 0; i < 50; i++) burst.push(await probe(app));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(counter.statements - before).toBe(1);

    // Once the interval has passed, the next probe asks storage again, once.
    vi.setSystemTime(Date.now() + STORAGE_CHECK_TTL_MS);
    await Promise.all(Array.from({ length: 20 }, () => probe(app)));
    expect(counter.statements - before).toBe(2);
  });

  it('a failed storage check is kept for the interval too: a failing database is not hammered', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { db, counter } = await countedDatabase('empty-counted.db', false);
    const app = createApp(singlePrimaryEngine(db));
    const answers = await Promise.all(Array.from({ length: 50 }, () => probe(app)));
    expect(answers.every((r) => r.status === 503)).toBe(true);
    expect(counter.statements).toBe(1);
  });

  it('while the server shuts down: 503, failed_check draining', async () => {
    const { db } = await countedDatabase('draining.db', true);
    let draining = false;
    const app = createApp(singlePrimaryEngine(db), { draining: () => draining });
    expect((await probe(app)).status).toBe(200);
    draining = true;
    const res = await probe(app);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'not_ready', failed_check: 'draining' });
  });
});
