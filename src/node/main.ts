// npm run start:node: the API on Node.js with a libSQL database. With nothing
// configured it uses ./data/oauth-apps.db (created on first run) and the local
// keyring in .dev.vars. Environment: see README "Self-hosting on Node.js".
import { applyLibsqlMigrations } from '../db/ledger';
import { DEFAULT_LIBSQL_URL, describeUrl, libsqlNodeDatabase, openLibsqlClient } from '../db/libsql-node';
import { ConfigError } from '../env';
import { readNodeConfig } from './config';
import { startNodeServer } from './server';

async function main(): Promise<void> {
  const config = readNodeConfig();
  const client = await openLibsqlClient(config.libsql);
  const applied = await applyLibsqlMigrations(client);
  const server = await startNodeServer({
    db: libsqlNodeDatabase(client),
    env: config.env,
    port: config.port,
    hostname: config.hostname,
    limits: config.limits,
  });

  const storage = config.libsql.syncUrl
    ? `embedded replica ${describeUrl(config.libsql.url)} of ${describeUrl(config.libsql.syncUrl)}`
    : describeUrl(config.libsql.url);
  const tokenCommand = `npm run token:create -- --libsql --account <name> --scopes oauth_apps:read,oauth_apps:write`;
  const rule = '─'.repeat(72);
  console.log(
    [
      rule,
      `OAuth apps API on ${server.url} (Node.js ${process.version})`,
      `Storage: libSQL, ${storage}; migrations ${applied.length ? `applied: ${applied.join(', ')}` : 'up to date'}`,
      `Encryption keyring: ${config.keyringSource}`,
      'Get an API token (same database; add oauth_apps:secrets to read secrets back):',
      `  ${tokenCommand}`,
      ...(config.libsql.url !== DEFAULT_LIBSQL_URL ? ['  (run it with the same LIBSQL_URL and LIBSQL_AUTH_TOKEN in its environment)'] : []),
      'Then:',
      `  curl --url ${server.url}/v1/oauth-apps --header 'Authorization: Bearer <token>'`,
      rule,
    ].join('\n'),
  );

  const stop = async () => {
    await server.close();
    client.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main().catch((err: unknown) => {
  // Configuration problems are the operator's to fix: say which, without a stack.
  if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
  else console.error(err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
