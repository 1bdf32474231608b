// Runs before every test file of the worker project: the real migrations on
// the file's fresh local D1, and the log leak check.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll } from 'vitest';
import { checkNoSecretLoggedAfterAll } from './support/leak-check';

beforeAll(async () => {
  await applyD1Migrations(env.DB!, env.TEST_MIGRATIONS);
});

checkNoSecretLoggedAfterAll();
