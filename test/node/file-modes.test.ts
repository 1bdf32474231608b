// The Node server's database file and its folder, when the server creates
// them, are the owner's alone (0600, 0700): they hold every ciphertext and
// token hash. Existing ones keep the modes the operator gave them.
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibsqlClient } from '../../src/db/libsql-node';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the libSQL file the Node server creates', () => {
  it('is 0600 in a folder of 0700 (each folder it makes), and its WAL files follow the file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'modes-'));
    const file = join(root, 'data', 'deeper', 'oauth-apps.db');
    const client = await openLibsqlClient({ url: `file:${file}` });
    await client.execute('CREATE TABLE t (x)');
    expect(mode(join(root, 'data'))).toBe(0o700);
    expect(mode(join(root, 'data', 'deeper'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`) & 0o077).toBe(0);
    client.close();
  });

  it('leaves an existing file and folder as they are', async () => {
    const root = mkdtempSync(join(tmpdir(), 'modes-'));
    const file = join(root, 'mine.db');
    writeFileSync(file, '');
    chmodSync(file, 0o640);
    chmodSync(root, 0o750);
    const client = await openLibsqlClient({ url: `file:${file}` });
    await client.execute('SELECT 1');
    expect(mode(file)).toBe(0o640);
    expect(mode(root)).toBe(0o750);
    client.close();
  });
});
