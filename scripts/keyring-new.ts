// npm run keyring:new [-- --id <key id>]
// Prints a new keyring secret value (one fresh random 256-bit key, primary),
// for `wrangler secret put ENCRYPTION_KEYRING` or .dev.vars.
import { newKeyringSecret } from '../src/crypto/keyring';
import { commandLine, runScript, UsageError } from './lib/cli';

const usage = `Usage: npm run keyring:new -- [--id <key id>]
Prints a new ENCRYPTION_KEYRING value: one fresh random 256-bit key, primary. Keep it in your
secret manager: without it the stored secrets cannot be decrypted.
  --id <key id>   the key's id, 1-64 of [A-Za-z0-9_-] (default k<today>, e.g. k20261201)`;

const { values } = commandLine({ usage, options: { id: { type: 'string' } } });

await runScript(usage, () => {
  const id = values.id ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError('--id must be 1-64 of [A-Za-z0-9_-]');
  console.log(newKeyringSecret(id));
});
