// What /readyz costs D1, measured by D1 itself: its storage query reads no row
// however many tokens there are (rows_read from the query's meta), and opens
// the nearest replica's session (first-unconstrained), as a read does.
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { storageProbe } from '../../src/http/probes';
import { createToken, createAccount, request, sendWithEnv } from '../support/fixtures';

describe('the readiness query on D1', () => {
  it('reads 0 rows, with 50 tokens in the table', async () => {
    const account = await createAccount();
    for (let i = 0; i < 50; i++) await createToken(account);
    const query = storageProbe(drizzle(env.DB!) as unknown as Database).toSQL();
    const result = await env.DB!.prepare(query.sql).bind(...query.params).all();
    expect(result.results).toEqual([]);
    expect(result.meta.rows_read).toBe(0);
  });

  it('opens an unconstrained session: any replica may answer', async () => {
    const constraints: string[] = [];
    const real = env.DB!;
    const DB = new Proxy(real, {
      get(target, prop) {
        if (prop === 'withSession') return (c: string) => (constraints.push(c), target.withSession(c));
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const res = await sendWithEnv(request('GET', '/readyz'), { DB });
    expect(res.status).toBe(200);
    expect(constraints).toEqual(['first-unconstrained']);
  });
});
