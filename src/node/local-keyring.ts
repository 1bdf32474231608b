// The local development keyring in .dev.vars, shared by `wrangler dev` and the
// Node server so both read the same local data. Never used in production:
// there ENCRYPTION_KEYRING comes from the environment.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { newKeyringSecret } from '../crypto/keyring';

export const DEV_VARS_FILE = '.dev.vars';
const KEYRING_LINE = /^ENCRYPTION_KEYRING=(.*)$/m;

/** The keyring saved in .dev.vars, if it has one. */
export function readLocalKeyring(file = DEV_VARS_FILE): string | undefined {
  const found = existsSync(file) ? KEYRING_LINE.exec(readFileSync(file, 'utf8')) : null;
  return found ? unquote(found[1]!.trim()) : undefined;
}

/** Replaces the keyring saved in .dev.vars (which must have one), keeping the file's mode 600. */
export function writeLocalKeyring(keyring: string, file = DEV_VARS_FILE): void {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(KEYRING_LINE, () => `ENCRYPTION_KEYRING='${keyring}'`), { mode: 0o600 });
}

/** The keyring in .dev.vars, generated and saved there (mode 600) first if it has none. */
export function ensureLocalKeyring(file = DEV_VARS_FILE): { keyring: string; generated: boolean } {
  const saved = readLocalKeyring(file);
  if (saved !== undefined) return { keyring: saved, generated: false };
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const keyring = newKeyringSecret('local-dev');
  const line = `# Local-only keyring, generated for development. Never use it anywhere else.\nENCRYPTION_KEYRING='${keyring}'\n`;
  appendFileSync(file, (current && !current.endsWith('\n') ? '\n' : '') + line, { mode: 0o600 });
  return { keyring, generated: true };
}

function unquote(value: string): string {
  const quote = value[0];
  return (quote === "'" || quote === '"') && value.endsWith(quote) ? value.slice(1, -1) : value;
}
