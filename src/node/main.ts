// npm run start:node (and npm start, the build of it): the API on Node.js with
// a libSQL database. With nothing configured it uses ./data/oauth-apps.db
// (created on first run) and the local keyring in .dev.vars. Every setting is
// checked before anything opens: a bad one exits 2 with one line naming it.
// Environment: see README "Configuration".
import { ConfigError } from '../config/schema';
import { KeyringError, loadKeyring } from '../crypto/keyring';
import { applyLibsqlMigrations } from '../db/ledger';
import { DEFAULT_LIBSQL_URL, describeUrl, libsqlNodeDatabase, openLibsqlClient } from '../db/libsql-node';
import { logEvent } from '../http/log';
import { readNodeConfig } from './config';
import { startNodeServer } from './server';

/** Set by `npm run build` (scripts/build-node.ts): this file runs as dist/node/main.js, without tsx. */
declare const OAUTH_APPS_BUILD: string | undefined;
const built = typeof OAUTH_APPS_BUILD === 'string';

const USAGE = `Usage: ${built ? 'npm start' : 'npm run start:node'}
Serves the API on Node.js with a libSQL database (default ./data/oauth-apps.db, created and migrated).
It takes no arguments: every setting comes from the environment (README: Configuration), and a bad one
stops it with exit code 2. SIGTERM drains: requests in flight finish, within SHUTDOWN_TIMEOUT_SECONDS.`;

/** As the npm scripts do: --help answers and does nothing; an argument is a usage error (exit 2). */
function commandLine(args: string[]): void {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    process.exit(0);
  }
  if (args.length > 0) {
    console.error(`unexpected argument "${args[0]}": settings come from the environment\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  commandLine(process.argv.slice(2));
  const config = readNodeConfig();
  // The keys themselves, imported now: a keyring that parses but will not import stops the start too.
  await loadKeyring(config.app.encryptionKeyring);
  const client = await openLibsqlClient(config.libsql);
  const applied = await applyLibsqlMigrations(client);
  const server = await startNodeServer({
    db: libsqlNodeDatabase(client),
    config: config.app,
    env: config.env,
    port: config.port,
    hostname: config.hostname,
    limits: config.limits,
  });

  const storage = config.libsql.syncUrl
    ? `embedded replica ${describeUrl(config.libsql.url)} of ${describeUrl(config.libsql.syncUrl)}`
    : describeUrl(config.libsql.url);
  const tokenCommand = `${built ? 'node dist/node/token-create.js' : 'npm run token:create --'} --libsql --account <name> --scopes oauth_apps:read,oauth_apps:write`;
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
  logEvent('listening', { url: server.url, storage, pid: process.pid });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: the operator will not wait.
      logEvent('stopped at once', { signal });
      process.exit(1);
    }
    stopping = true;
    logEvent('shutting down', { signal, timeout_ms: config.shutdownTimeoutMs });
    const report = await server.shutdown(config.shutdownTimeoutMs);
    client.close();
    logEvent('stopped', { signal, in_flight: report.inFlight, cut_off: report.cutOff });
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}

await main().catch((err: unknown) => {
  // Configuration problems are the operator's to fix: one line saying which, no stack.
  const misconfigured = err instanceof ConfigError || err instanceof KeyringError;
  if (misconfigured) console.error(`Configuration error: ${err.message}`);
  else console.error(err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : err);
  process.exit(misconfigured ? 2 : 1);
});
