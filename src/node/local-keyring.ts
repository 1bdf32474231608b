// The local development keyring in .dev.vars, shared by `wrangler dev` and the
// Node server so both read the same local data. Never used in production:
// there ENCRYPTION_KEYRING comes from the environment.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { newKeyringSecret } from '../crypto/keyring';

export const DEV_VARS_FILE = '.dev.vars';

/** The keyring in .dev.vars, generated and saved there (mode 600) first if it has none. */
export function ensureLocalKeyring(file = DEV_VARS_FILE): { keyring: string; generated: boolean } {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const found = /^ENCRYPTION_KEYRING=(.*)$/m.exec(current);
  if (found) return { keyring: unquote(found[1]!.trim()), generated: false };
  const keyring = newKeyringSecret('local-dev');
  const line = `# Local-only keyring, generated for development. Never use it anywhere else.\nENCRYPTION_KEYRING='${keyring}'\n`;
  appendFileSync(file, (current && !current.endsWith('\n') ? '\n' : '') + line, { mode: 0o600 });
  return { keyring, generated: true };
}

function unquote(value: string): string {
  const quote = value[0];
  return (quote === "'" || quote === '"') && value.endsWith(quote) ? value.slice(1, -1) : value;
}
