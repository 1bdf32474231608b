// Editing a keyring secret: add a key (optionally primary), remove one. The
// value is validated by the same parser the runtime uses. Local keyrings live
// in .dev.vars; a deployed one is read from $ENCRYPTION_KEYRING and the new
// value printed, for `wrangler secret put ENCRYPTION_KEYRING`.
import { randomBytes } from 'node:crypto';
import { parseKeyring } from '../../src/crypto/keyring';
import { DEV_VARS_FILE, readLocalKeyring, writeLocalKeyring } from '../../src/node/local-keyring';

interface KeyringJson {
  primary: string;
  keys: Record<string, string>;
}

export interface KeyringSource {
  read(): KeyringJson;
  write(next: KeyringJson): void;
  description: string;
}

/** The keyring in .dev.vars (what `npm run dev` and the local Node server use). */
export function devVarsKeyring(file = DEV_VARS_FILE): KeyringSource {
  return {
    description: file,
    read() {
      const saved = readLocalKeyring(file);
      if (saved === undefined) throw new Error(`${file} has no ENCRYPTION_KEYRING: run npm run dev once to create it`);
      return checked(saved);
    },
    write: (next) => writeLocalKeyring(JSON.stringify(next), file),
  };
}

/** The keyring in $ENCRYPTION_KEYRING; the new value goes to stdout, nowhere else. */
export function printedKeyring(): KeyringSource {
  return {
    description: 'standard output',
    read: () => checked(process.env.ENCRYPTION_KEYRING),
    write: (next) => process.stdout.write(`${JSON.stringify(next)}\n`),
  };
}

function checked(secret: string | undefined): KeyringJson {
  parseKeyring(secret); // throws KeyringError, which never holds key material
  return JSON.parse(secret!) as KeyringJson;
}

export function withNewKey(keyring: KeyringJson, id: string, makePrimary: boolean): KeyringJson {
  if (Object.hasOwn(keyring.keys, id)) throw new Error(`the keyring already has a key "${id}"`);
  const next = { primary: makePrimary ? id : keyring.primary, keys: { ...keyring.keys, [id]: randomBytes(32).toString('base64') } };
  parseKeyring(JSON.stringify(next)); // the id is checked here
  return next;
}

export function withPrimary(keyring: KeyringJson, id: string): KeyringJson {
  if (!Object.hasOwn(keyring.keys, id)) throw new Error(`the keyring has no key "${id}"`);
  return { ...keyring, primary: id };
}

export function withoutKey(keyring: KeyringJson, id: string): KeyringJson {
  if (!Object.hasOwn(keyring.keys, id)) throw new Error(`the keyring has no key "${id}"`);
  if (keyring.primary === id) throw new Error(`"${id}" is the primary key: make another key primary first`);
  const keys = { ...keyring.keys };
  delete keys[id];
  return { primary: keyring.primary, keys };
}
