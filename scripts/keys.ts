// Key custody for operators. Re-encryption runs in the runtime that holds the
// keys (the Worker or the Node server); these commands drive it over HTTP and
// edit the keyring secret. See README: "Rotating the encryption key".
//
//   npm run keys:status  [target]                   secrets per key id
//   npm run keys:rotate  [target] [--batch 100]     re-encrypt everything under the primary key
//   npm run keys:add     -- --id <id> [--primary] [--print]
//   npm run keys:primary -- --id <id> [--print]
//   npm run keys:retire  -- --id <id> [target] [--print]   refused while the key protects secrets
import { commandLine, runScript, UsageError } from './lib/cli';
import { keyringFingerprint } from '../src/crypto/keyring';
import { readLocalKeyring } from '../src/node/local-keyring';
import { devVarsKeyring, printedKeyring, withNewKey, withoutKey, withPrimary } from './lib/keyring-file';
import { localSecretsUnder } from './lib/local-key-users';
import { answered, operatorClient, operatorTarget, targetUsage, type KeyStatusAnswer, type OperatorTarget, type RotateAnswer } from './lib/operator';

const usage = `Usage: npm run keys:<status|rotate|add|primary|retire> -- [options]
  keys:status                    how many secrets each key id protects
  keys:rotate [--batch N]        re-encrypt every secret under an older key with the primary key (N per call, 1-500, default 100)
  keys:add --id <id> [--primary] add a fresh random key to the keyring (and make it primary)
  keys:primary --id <id>         make a key of the keyring primary
  keys:retire --id <id>          remove a key from the keyring; refused while it protects any secret
 where the API is (status, rotate, retire):
${targetUsage}
 which keyring is edited (add, primary, retire):
  (default)      .dev.vars (restart npm run dev / the Node server to load it)
  --print        read $ENCRYPTION_KEYRING, print the new value: pipe it to \`npx wrangler secret put ENCRYPTION_KEYRING\``;

type Flags = {
  url?: string | undefined;
  local?: boolean | undefined;
  node?: boolean | undefined;
  libsql?: boolean | undefined;
  id?: string | undefined;
  primary: boolean;
  print: boolean;
  batch?: string | undefined;
  json: boolean;
};

async function status(flags: Flags): Promise<void> {
  await printStatus(await operatorTarget(flags), flags.json, flags.url === undefined);
}

/** Says so when a local server runs with another keyring than .dev.vars holds (it was edited, the server not restarted). */
async function compareWithFile(answer: KeyStatusAnswer, target: OperatorTarget): Promise<void> {
  const saved = readLocalKeyring();
  if (saved === undefined) return;
  const file = await keyringFingerprint(saved).catch(() => undefined);
  if (file !== undefined && file !== answer.keyring_fingerprint) {
    console.error(`! ${target.baseUrl} runs with another keyring than .dev.vars (fingerprint ${answer.keyring_fingerprint}, the file's ${file}): restart it to load the file's.`);
  }
}

async function printStatus(target: OperatorTarget, json: boolean, local = false): Promise<void> {
  const answer = answered<KeyStatusAnswer>('GET /v1/encryption-keys', await operatorClient(target).GET('/v1/encryption-keys'));
  if (local) await compareWithFile(answer, target);
  if (json) {
    console.log(JSON.stringify(answer, null, 2));
    return;
  }
  console.error(`Keys of ${target.description}:`);
  const header = ['key id', 'primary', 'in keyring', 'secrets', 'errors'];
  const rows = answer.data.map((k) => [k.id, k.primary ? 'yes' : '', k.in_keyring ? 'yes' : 'MISSING', String(k.secrets), String(k.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log([header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'));
  console.log(`pending re-encryption: ${answer.pending}`);
  for (const k of answer.data) {
    if (!k.in_keyring && k.secrets > 0) console.log(`! ${k.secrets} secret(s) are under "${k.id}", which the keyring lacks: they cannot be decrypted (health error).`);
    if (k.errors > 0) console.log(`! ${k.errors} secret(s) under "${k.id}" do not decrypt (tampered or corrupted): set a new client_secret on those apps (GET /v1/oauth-apps?health.status=error).`);
  }
}

/** "[########------------] 120/300 40% · 85/s · ETA 2s" */
function progressLine(done: number, total: number, startedMs: number): string {
  const width = 24;
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  const seconds = Math.max((Date.now() - startedMs) / 1000, 0.001);
  const rate = done / seconds;
  const eta = rate > 0 ? `${Math.ceil((total - done) / rate)}s` : '?';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${Math.floor(fraction * 100)}% · ${rate.toFixed(0)} rows/s · ETA ${eta}`;
}

async function rotate(flags: Flags): Promise<void> {
  const limit = flags.batch === undefined ? 100 : Number(flags.batch);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--batch must be an integer from 1 to 500');
  const target = await operatorTarget(flags);
  const before = answered<KeyStatusAnswer>('GET /v1/encryption-keys', await operatorClient(target).GET('/v1/encryption-keys'));
  console.error(`Re-encrypting under the primary key "${before.primary}" on ${target.description}.`);
  let total = before.pending;
  let done = 0;
  let failed = 0;
  let stalled = 0;
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const show = (line: string, final = false) => {
    if (tty) process.stderr.write(`\r${line}${final ? '\n' : ''}`);
    else console.error(line);
  };
  show(progressLine(done, total, started));
  for (;;) {
    const batch = answered<RotateAnswer>('POST /v1/encryption-keys/rotate', await operatorClient(target).POST('/v1/encryption-keys/rotate', { body: { limit } }));
    done += batch.reencrypted;
    failed += batch.failed;
    // Rows written meanwhile under an older key (a stale isolate) add to the work.
    total = Math.max(total, done + batch.remaining);
    show(progressLine(done, total, started), batch.remaining === 0);
    if (batch.remaining === 0) break;
    stalled = batch.reencrypted + batch.failed === 0 ? stalled + 1 : 0;
    if (stalled >= 5) throw new Error(`no progress in ${stalled} batches with ${batch.remaining} left; run again (it resumes)`);
  }
  console.error(`Done: ${done} re-encrypted in ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? `, ${failed} did not decrypt (now health error)` : ''}.`);
  await printStatus(target, false);
}

function keyringFor(flags: Flags) {
  return flags.print ? printedKeyring() : devVarsKeyring();
}

function requireId(flags: Flags): string {
  if (!flags.id) throw new UsageError('--id is required');
  return flags.id;
}

async function add(flags: Flags): Promise<void> {
  const id = requireId(flags);
  const source = keyringFor(flags);
  source.write(withNewKey(source.read(), id, flags.primary));
  console.error(`Added key "${id}"${flags.primary ? ' as the primary key' : ''} (${source.description}).${flags.print ? '' : ' Restart the server to load it.'}`);
}

async function primary(flags: Flags): Promise<void> {
  const id = requireId(flags);
  const source = keyringFor(flags);
  source.write(withPrimary(source.read(), id));
  console.error(`"${id}" is now the primary key (${source.description}).${flags.print ? '' : ' Restart the server to load it.'}`);
}

async function retire(flags: Flags): Promise<void> {
  const id = requireId(flags);
  const source = keyringFor(flags);
  const next = withoutKey(source.read(), id); // refuses an unknown or primary key before asking the server
  const target: OperatorTarget = await operatorTarget(flags);
  const answer = answered<KeyStatusAnswer>('GET /v1/encryption-keys', await operatorClient(target).GET('/v1/encryption-keys'));
  const key = answer.data.find((k) => k.id === id);
  if (key && key.secrets > 0) {
    const broken = key.errors > 0 ? ` (${key.errors} of them do not decrypt: set a new client_secret on those apps)` : '';
    throw new Error(`refusing to retire "${id}": it still protects ${key.secrets} secret(s)${broken} on ${target.description}. Run npm run keys:rotate first.`);
  }
  if (answer.primary === id) throw new Error(`refusing to retire "${id}": ${target.description} still uses it as its primary key`);
  if (!flags.print) {
    // .dev.vars serves both local servers: a key either database still needs stays.
    const users = (await localSecretsUnder(id)).filter((u) => u.secrets > 0);
    if (users.length > 0) {
      const where = users.map((u) => `${u.secrets} secret(s) in ${u.where}`).join(' and ');
      throw new Error(`refusing to retire "${id}" from .dev.vars: it still protects ${where}, which share this keyring. Run npm run keys:rotate against each first (--local, --node).`);
    }
  }
  source.write(next);
  console.error(`Retired key "${id}": it protects no secret on ${target.description} (${source.description}).`);
}

const commands = { status, rotate, add, primary, retire } as const;

const { values, positionals } = commandLine({
  usage,
  options: {
    url: { type: 'string' },
    local: { type: 'boolean' },
    node: { type: 'boolean' },
    libsql: { type: 'boolean' },
    id: { type: 'string' },
    primary: { type: 'boolean', default: false },
    print: { type: 'boolean', default: false },
    batch: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  positionals: { min: 1, max: 1, name: 'command (status, rotate, add, primary or retire)' },
});

await runScript(usage, async () => {
  const command = positionals[0]!;
  if (!Object.hasOwn(commands, command)) throw new UsageError(`unknown command "${command}"`);
  await commands[command as keyof typeof commands](values);
});
