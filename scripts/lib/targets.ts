// The flags that say which database or server a command works on, one name
// per target across token:*, keys:* and db:*. Today's names stay as aliases:
// --libsql (token:*) is --node.
import { UsageError } from './cli';

/** Where the token and migration commands write. */
export const STORE_TARGETS = {
  local: { type: 'boolean' },
  node: { type: 'boolean' },
  libsql: { type: 'boolean' },
  remote: { type: 'boolean' },
  'libsql-url': { type: 'string' },
} as const;

export const storeTargetUsage = `Where (one of):
  --local              the local D1 of npm run dev (.wrangler/state)
  --node               the Node server's database: $LIBSQL_URL (+ $LIBSQL_AUTH_TOKEN), default file:./data/oauth-apps.db
                       (--libsql is the same)
  --remote             the deployed D1 of wrangler.toml (after npx wrangler login)
  --libsql-url <url>   a libSQL database at this URL (libsql://, https://, file:), its token in $LIBSQL_AUTH_TOKEN`;

export type StoreTarget = { kind: 'local' } | { kind: 'remote' } | { kind: 'libsql'; url?: string };

/** The one target the flags name, or the default; two at once is a usage error. */
export function storeTarget(
  values: { local?: boolean; node?: boolean; libsql?: boolean; remote?: boolean; 'libsql-url'?: string },
  fallback: StoreTarget['kind'] = 'local',
): StoreTarget {
  const named = [
    values.local && '--local',
    (values.node || values.libsql) && '--node',
    values.remote && '--remote',
    values['libsql-url'] !== undefined && '--libsql-url',
  ].filter(Boolean);
  if (named.length > 1) throw new UsageError(`${named.join(' and ')} exclude each other`);
  if (values['libsql-url'] !== undefined) {
    if (values['libsql-url'].trim() === '') throw new UsageError('--libsql-url needs a URL');
    return { kind: 'libsql', url: values['libsql-url'] };
  }
  if (values.node || values.libsql) return { kind: 'libsql' };
  if (values.remote) return { kind: 'remote' };
  if (values.local) return { kind: 'local' };
  return fallback === 'libsql' ? { kind: 'libsql' } : { kind: fallback };
}
