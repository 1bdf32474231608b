// The migration commands: migrations/ applied to the database a target names.
// D1 through wrangler (which records them in d1_migrations), libSQL through
// the app's migrator (the same ledger). Re-running applies nothing.
import { applyLibsqlMigrations } from '../../src/db/ledger';
import { DEFAULT_LIBSQL_URL, describeUrl, openLibsqlClient } from '../../src/db/libsql-node';
import { commandLine, runScript } from './cli';
import { applyMigrations } from './d1';
import { STORE_TARGETS, storeTarget, storeTargetUsage, type StoreTarget } from './targets';

export async function migrateCommand(name: string, fallback: StoreTarget['kind']): Promise<void> {
  const usage = `Usage: npm run ${name} [-- where]
Applies migrations/ to a database and records each in d1_migrations; re-running applies nothing.
(npm run db:migrate:local, db:migrate:remote and db:migrate:libsql are this command with --local,
--remote and --node.)
${storeTargetUsage}`;
  const { values } = commandLine({ usage, options: STORE_TARGETS });
  await runScript(usage, async () => {
    const target = storeTarget(values, fallback);
    if (target.kind !== 'libsql') {
      await applyMigrations({ remote: target.kind === 'remote' });
      console.log(`The ${target.kind === 'remote' ? 'deployed' : 'local'} D1 is migrated.`);
      return;
    }
    const url = target.url ?? (process.env.LIBSQL_URL || DEFAULT_LIBSQL_URL);
    const client = await openLibsqlClient({ url, authToken: process.env.LIBSQL_AUTH_TOKEN || undefined });
    try {
      const applied = await applyLibsqlMigrations(client);
      console.log(applied.length ? `Applied to ${describeUrl(url)}: ${applied.join(', ')}` : `${describeUrl(url)} is up to date.`);
    } finally {
      client.close();
    }
  });
}
