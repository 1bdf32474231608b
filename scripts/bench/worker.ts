// The bench-only Worker (npm run bench): the real Worker, plus the storage
// floor of each measured route, on the same D1 and in the same isolate:
//   POST /bench/floor/insert      a bare D1 insert of an app row of the same shape
//   GET  /bench/floor/get?id=     a bare select of one row by primary key
//   GET  /bench/floor/list?account=  a bare select of the same 100 rows the list page returns
//   GET  /bench/noop              nothing at all
// Never deployed: it exists to show what the API adds above storage.
import worker from '../../src/index';
import type { Bindings } from '../../src/env';

const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { 'Content-Type': 'application/json' } });

// base64 of 12 + 44 + 16 bytes: the size the API stores for a 44-character secret.
// (Made on first use: the global scope may not generate random values.)
let ciphertext: string | undefined;
const sealedLike = () => (ciphertext ??= btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(72)))));

async function floor(path: string, url: URL, db: D1Database): Promise<Response> {
  if (path === '/bench/floor/insert') {
    const at = new Date().toISOString();
    const id = crypto.randomUUID();
    await db
      .prepare(
        `INSERT INTO oauth_apps (id, account_id, provider, name, client_id, client_secret_ciphertext, client_secret_key_id,
           metadata, health_status, health_notes, health_time, version, created_at, updated_at)
         VALUES (?, ?, 'stripe', 'Bench app', ?, ?, 'bench', '{"team":"bench"}', 'ok', '[]', ?, 1, ?, ?)`,
      )
      .bind(id, url.searchParams.get('account'), crypto.randomUUID(), sealedLike(), at, at, at)
      .run();
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

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/bench/')) return floor(url.pathname, url, env.DB!);
    return worker.fetch!(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
