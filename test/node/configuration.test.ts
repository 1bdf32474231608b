// One configuration schema (src/config/schema.ts), parsed once at the Node
// server's start: each setting that does not parse stops it with exit code 2
// and one line naming the variable, before anything is written or opened,
// never echoing the value. The README's configuration table lists exactly
// the schema's settings.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS, NODE_SETTINGS, settingNames } from '../../src/config/schema';
import { MAIN, runToEnd } from '../support/node-process';

const root = mkdtempSync(join(tmpdir(), 'oauth-apps-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SECRETISH = 'hunter2-c2VjcmV0';

/** Each bad value, and the start of the one line that must name it. */
const BAD: [string, string, string][] = [
  ['ENCRYPTION_KEYRING', '{bad', 'ENCRYPTION_KEYRING is not valid JSON'],
  ['ENCRYPTION_KEYRING', JSON.stringify({ primary: 'k1', keys: { k1: SECRETISH } }), 'ENCRYPTION_KEYRING key "k1" is not 32 bytes of base64'],
  ['ENCRYPTION_KEYRING', JSON.stringify({ primary: 'k2', keys: { k1: Buffer.alloc(32, 7).toString('base64') } }), 'ENCRYPTION_KEYRING.primary must name one of its keys'],
  ['TOKEN_CACHE_TTL_SECONDS', '99', 'TOKEN_CACHE_TTL_SECONDS must be an integer from 0 to 30'],
  ['REQUEST_LOG', 'verbose', 'REQUEST_LOG must be "all" or "errors"'],
  ['REQUEST_LOG_SAMPLE_RATE', '1.5', 'REQUEST_LOG_SAMPLE_RATE must be a number from 0 to 1'],
  ['MAX_APPS_PER_ACCOUNT', '-1', 'MAX_APPS_PER_ACCOUNT must be an integer from 0 to 100000000'],
  ['AUDIT_RETENTION_DAYS', '0', 'AUDIT_RETENTION_DAYS must be an integer from 1 to 36500'],
  ['CORS_ORIGINS', 'https://ok.example,not an origin', 'CORS_ORIGINS must be a comma-separated list of origins'],
  ['RATE_LIMIT_PER_MINUTE', 'lots', 'RATE_LIMIT_PER_MINUTE must be an integer from 0 to 1000000000'],
  ['UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE', '1.5', 'UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE must be an integer from 0 to 1000000000'],
  ['PROVIDER_TOKEN_URLS', JSON.stringify({ github: `http://${SECRETISH}.example.com/token` }), 'PROVIDER_TOKEN_URLS must be a JSON object whose values are https:// URLs'],
  ['PROVIDER_TOKEN_URLS', JSON.stringify({ paypal: 'https://example.com/token' }), 'PROVIDER_TOKEN_URLS must be a JSON object whose keys are provider ids'],
  ['VERIFICATIONS_PER_ACCOUNT_PER_HOUR', '-1', 'VERIFICATIONS_PER_ACCOUNT_PER_HOUR must be an integer from 0 to 1000000'],
  ['VERIFICATION_TIMEOUT_SECONDS', '60', 'VERIFICATION_TIMEOUT_SECONDS must be an integer from 1 to 30'],
  ['LIBSQL_URL', `ftp://user:${SECRETISH}@example.com/db`, 'LIBSQL_URL cannot be opened'],
  ['PORT', '99999', 'PORT must be an integer from 0 to 65535'],
  ['HOST', '203.0.113.254', 'HOST is not an address of this machine'],
  ['HEADERS_TIMEOUT_SECONDS', '0', 'HEADERS_TIMEOUT_SECONDS must be an integer from 1 to 60'],
  ['REQUEST_TIMEOUT_SECONDS', '5', 'HEADERS_TIMEOUT_SECONDS must not exceed REQUEST_TIMEOUT_SECONDS'],
  ['SHUTDOWN_TIMEOUT_SECONDS', '0', 'SHUTDOWN_TIMEOUT_SECONDS must be an integer from 1 to 600'],
  ['MAX_CONNECTIONS', '0', 'MAX_CONNECTIONS must be an integer from 1 to 1000000'],
  ['TRUSTED_PROXIES', '10.0.0.1;10.0.0.2', 'TRUSTED_PROXIES must be a comma-separated list of IP addresses'],
  ['CLIENT_ADDRESS_HEADER', 'x forwarded', 'CLIENT_ADDRESS_HEADER must be a header name'],
  ['LIBSQL_SYNC_INTERVAL_SECONDS', '0', 'LIBSQL_SYNC_INTERVAL_SECONDS must be an integer from 1 to 86400'],
  ['NODE_ENV', 'production', 'ENCRYPTION_KEYRING is required when NODE_ENV=production'],
];

// A start that did not stop within 45 s is killed: not what any case here expects.
const startWith = (cwd: string, extra: Record<string, string>) => runToEnd(MAIN, [], cwd, extra, 45_000);

describe('a setting that does not parse stops the Node server at start', () => {
  it('each: exit code 2, one line naming the variable, no stack, no value echoed, nothing written', async () => {
    const runs = await Promise.all(
      BAD.map(async ([name, value], i) => {
        const cwd = join(root, `case-${i}`);
        mkdirSync(cwd);
        return { cwd, run: await startWith(cwd, { [name]: value }) };
      }),
    );
    BAD.forEach(([name, value, line], i) => {
      const { cwd, run } = runs[i]!;
      const where = `${name}=${value}`;
      expect(run.status, `${where}\n${run.stderr}`).toBe(2);
      expect(run.stderr.startsWith(`Configuration error: ${line}`), `${where}: ${run.stderr}`).toBe(true);
      expect(run.stderr.trimEnd().split('\n'), where).toHaveLength(1);
      expect(run.stdout, where).toBe('');
      expect(run.stderr, where).not.toContain(SECRETISH);
      // Nothing was written: no database, no local keyring. Only two are found later: LIBSQL_URL when
      // the database is opened (after the local keyring is made), HOST when the server listens.
      if (name !== 'HOST') expect(existsSync(join(cwd, 'data')), where).toBe(false);
      if (name !== 'HOST' && name !== 'LIBSQL_URL') expect(existsSync(join(cwd, '.dev.vars')), where).toBe(false);
    });
  }, 120_000);
});

describe("the README's configuration table", () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n### The encryption keyring'));
  const rows = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({
    name: m[1]!,
    where: m[2]!.trim(),
    defaults: m[3]!.trim(),
  }));

  it('lists every setting of the schema once, and no other variable', () => {
    const settings = rows.filter((r) => r.where !== 'Worker binding').map((r) => r.name);
    expect([...settings].sort()).toEqual([...settingNames()].sort());
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it('says where each applies as the schema does, and the defaults the schema applies', () => {
    const appNames = new Set<string>(Object.values(APP_SETTINGS).map((s) => s.name));
    for (const row of rows.filter((r) => r.where !== 'Worker binding')) {
      expect(row.where, row.name).toBe(appNames.has(row.name) ? 'both' : 'Node');
    }
    const schema = [...Object.values(APP_SETTINGS), ...Object.values(NODE_SETTINGS)];
    for (const setting of schema) {
      if (setting.name === 'ENCRYPTION_KEYRING') continue; // unset is an error (or, on Node, .dev.vars's)
      const fallback = setting.parse(undefined);
      const row = rows.find((r) => r.name === setting.name)!;
      // Nothing set, nothing there: no default to state (an empty list or map).
      if (fallback === undefined || (Array.isArray(fallback) && fallback.length === 0) || (fallback instanceof Map && fallback.size === 0)) continue;
      expect(row.defaults, setting.name).toContain(`\`${String(fallback)}\``);
    }
  });
});
