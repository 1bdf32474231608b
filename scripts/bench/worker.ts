// The bench-only Worker (npm run bench): the real Worker, plus the storage
// floor of each measured route, on the same D1 and in the same isolate:
//   POST /bench/floor/insert      a bare D1 insert of an app row of the same shape, into a copy of
//                                 oauth_apps with its columns, constraints and indexes but not its
//                                 triggers: the row alone, nothing derived from it
//   POST /bench/floor/insert-derived  the same insert into oauth_apps itself: its triggers count it and
//                                 index its metadata
//   POST /bench/floor/insert-audited  the row and its audit event into the real tables, in one D1
//                                 batch (what a create must write since every change is audited;
//                                 the tables' triggers write what is derived, as for the route)
//   GET  /bench/floor/get?id=     a bare select of one row by primary key
//   GET  /bench/floor/list?account=  a bare select of the same 100 rows the list page returns
//   GET  /bench/noop              nothing at all
//   POST /bench/seed?account=&n=&metadata_bytes=  n app rows straight into storage (the repository's
//                                 importOAuthApps; the triggers index and count them)
//   GET  /bench/nth?account=&n=   the id of the account's nth app in list order (a deep page's cursor)
//   POST /bench/record/create     a real create (POST /v1/oauth-apps, its body and token as sent), whose
//                                 D1 batch is recorded: statements and values
//   POST /bench/floor/create-batch?account=  that recorded batch, replayed bare on D1 with fresh ids (every
//                                 run of 8+ hex digits but the account's renewed, consistently): the create's
//                                 own storage work; 500 if a statement wrote nothing (a guard failed)
// Never deployed: it exists to show what the API adds above storage.
import { drizzle } from 'drizzle-orm/d1';
import type { Database } from '../../src/db/client';
import worker from '../../src/index';
import type { Bindings } from '../../src/env';
import { importOAuthApps } from '../../src/oauth-apps/oauth-apps.repository';
import { benchAppRow, hexRenewer } from '../lib/bench-support';

const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { 'Content-Type': 'application/json' } });

// base64 of 12 + 44 + 16 bytes: the size the API stores for a 44-character secret.
// (Made on first use: the global scope may not generate random values.)
let ciphertext: string | undefined;
const sealedLike = () => (ciphertext ??= btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(72)))));

// The bare insert's table, made on first use from oauth_apps' own definition
// (sqlite_schema) so that it cannot drift: the same columns, constraints and
// indexes, renamed; triggers are not copied.
const BARE_APPS = 'bench_bare_oauth_apps';
let bareApps: Promise<unknown> | undefined;
function bareAppsTable(db: D1Database): Promise<unknown> {
  bareApps ??= (async () => {
    const { results } = await db
      .prepare("SELECT type, sql FROM sqlite_schema WHERE tbl_name = 'oauth_apps' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC")
      .all<{ type: string; sql: string }>();
    const copies = results.map(({ sql }) =>
      sql
        .replace(/^CREATE TABLE `oauth_apps`/, `CREATE TABLE IF NOT EXISTS \`${BARE_APPS}\``)
        .replace(/^CREATE (UNIQUE )?INDEX `([^`]+)` ON `oauth_apps`/, `CREATE $1INDEX IF NOT EXISTS \`${BARE_APPS}_$2\` ON \`${BARE_APPS}\``),
    );
    if (!copies[0]?.startsWith(`CREATE TABLE IF NOT EXISTS \`${BARE_APPS}\``) || copies.some((c) => c.includes('`oauth_apps`'))) {
      throw new Error(`oauth_apps' definition did not copy: ${copies.join('; ')}`);
    }
    await db.batch(copies.map((c) => db.prepare(c)));
  })();
  return bareApps;
}

async function floor(path: string, url: URL, db: D1Database): Promise<Response> {
  if (path === '/bench/floor/insert' || path === '/bench/floor/insert-derived' || path === '/bench/floor/insert-audited') {
    const at = new Date().toISOString();
    const id = crypto.randomUUID();
    const account = url.searchParams.get('account');
    const bare = path === '/bench/floor/insert';
    if (bare) await bareAppsTable(db);
    const insert = db
      .prepare(
        `INSERT INTO ${bare ? BARE_APPS : 'oauth_apps'} (id, account_id, provider, name, client_id, client_secret_ciphertext, client_secret_key_id,
           metadata, health_status, health_notes, health_time, version, created_at, updated_at)
         VALUES (?, ?, 'stripe', 'Bench app', ?, ?, 'bench', '{"team":"bench"}', 'ok', '[]', ?, 1, ?, ?)`,
      )
      .bind(id, account, crypto.randomUUID(), sealedLike(), at, at, at);
    if (path !== '/bench/floor/insert-audited') await insert.run();
    else {
      // The event as the route writes it (src/audit/audit.repository.ts); its trigger links its app.
      const eventId = `evt_${crypto.randomUUID().replaceAll('-', '')}`;
      const event = db
        .prepare(
          `INSERT INTO audit_events (id, account_id, app_id, app_ids, action, details, token_id, request_id, created_at)
           VALUES (?, ?, ?, json_array(?3), 'oauth_app.created', '{"key_id":"bench"}', NULL, 'bench', ?)`,
        )
        .bind(eventId, account, id, at);
      await db.batch([event, insert]);
    }
    return json({ id });
  }
  if (path === '/bench/seed') {
    const account = url.searchParams.get('account')!;
    const n = Number(url.searchParams.get('n'));
    const bytes = Number(url.searchParams.get('metadata_bytes'));
    const rows = Array.from({ length: n }, (_, i) => benchAppRow(account, bytes, sealedLike(), i));
    await importOAuthApps(drizzle(db) as unknown as Database, rows);
    return json({ seeded: n });
  }
  if (path === '/bench/nth') {
    const id = await db
      .prepare('SELECT id FROM oauth_apps WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?')
      .bind(url.searchParams.get('account'), Number(url.searchParams.get('n')) - 1)
      .first('id');
    return json({ id });
  }
  if (path === '/bench/floor/get') {
    return json(await db.prepare('SELECT * FROM oauth_apps WHERE id = ?').bind(url.searchParams.get('id')).first());
  }
  if (path === '/bench/floor/list') {
    const { results } = await db
      .prepare('SELECT * FROM oauth_apps WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 100')
      .bind(url.searchParams.get('account'))
      .all();
    return json({ data: results });
  }
  return json({});
}

type Recorded = { sql: string; args: unknown[] }[];
let recordedCreate: Recorded | undefined;

/** env with its DB recording the statements of every batch into `into` (one request's env). */
function recordingEnv(env: Bindings, into: Recorded[]): Bindings {
  const db = env.DB!;
  const statement = (sql: string, args: unknown[] = []): D1PreparedStatement & { recorded: { sql: string; args: unknown[] } } => {
    const real = db.prepare(sql).bind(...args);
    return Object.assign(Object.create(real) as D1PreparedStatement, {
      recorded: { sql, args },
      bind: (...next: unknown[]) => statement(sql, next),
      first: real.first.bind(real),
      all: real.all.bind(real),
      run: real.run.bind(real),
      raw: real.raw.bind(real),
    }) as D1PreparedStatement & { recorded: { sql: string; args: unknown[] } };
  };
  const session = {
    prepare: (sql: string) => statement(sql),
    batch: (stmts: (D1PreparedStatement & { recorded: { sql: string; args: unknown[] } })[]) => {
      into.push(stmts.map((s) => s.recorded));
      return db.batch(stmts.map((s) => db.prepare(s.recorded.sql).bind(...s.recorded.args)));
    },
    getBookmark: () => null,
  };
  return { ...env, DB: { ...db, withSession: () => session, prepare: session.prepare, batch: session.batch } as unknown as D1Database };
}

/** The recorded batch with each run of 8+ hex digits but the account's replaced by fresh ones, the same run by the same. */
function freshBatch(batch: Recorded, db: D1Database, account: string): D1PreparedStatement[] {
  const renew = hexRenewer([account]);
  return batch.map((s) => db.prepare(s.sql).bind(...s.args.map(renew)));
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/bench/record/create') {
      const batches: Recorded[] = [];
      const res = await worker.fetch!(new Request(new URL('/v1/oauth-apps', url), request), recordingEnv(env, batches), ctx);
      if (res.status !== 200 || batches.length !== 1) return new Response(`recording failed: ${res.status}, ${batches.length} batches`, { status: 500 });
      recordedCreate = batches[0];
      return json({ statements: recordedCreate!.length });
    }
    if (url.pathname === '/bench/floor/create-batch') {
      if (!recordedCreate) return new Response('record a create first', { status: 409 });
      const results = await env.DB!.batch(freshBatch(recordedCreate, env.DB!, url.searchParams.get('account') ?? ''));
      // Every statement of a create writes a row (its events, its app): if one did not, its guard failed.
      const idle = results.findIndex((r) => r.meta.changes < 1);
      if (idle >= 0) return new Response(`the replayed statement ${idle} wrote nothing`, { status: 500 });
      return json({});
    }
    if (url.pathname.startsWith('/bench/')) return floor(url.pathname, url, env.DB!);
    return worker.fetch!(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
