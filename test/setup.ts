// Runs before every test file: real migrations on the file's fresh local D1,
// and a capture of all console output, checked after the file for any
// secret or token the tests sent.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, expect } from 'vitest';
import { capturedLogs, sentSecrets } from './support/log-capture';

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

afterAll(() => {
  const logs = capturedLogs().join('\n');
  for (const secret of sentSecrets()) {
    // Not toContain: the failure message would print the secret itself.
    expect(logs.includes(secret), 'a secret or token reached the log').toBe(false);
  }
});
