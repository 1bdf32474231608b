// npm run keyring:new [-- --id <key id>]
// Prints a new keyring secret value (one fresh random 256-bit key, primary),
// for `wrangler secret put ENCRYPTION_KEYRING` or .dev.vars.
import { parseArgs } from 'node:util';
import { newKeyringSecret } from '../src/crypto/keyring';

const { values } = parseArgs({ options: { id: { type: 'string' } } });
const id = values.id ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
console.log(newKeyringSecret(id));
