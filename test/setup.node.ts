// Runs before every test file of the node project: the target module starts a
// Node server on a fresh, migrated libSQL file for this file; stopped after it.
import { afterAll } from 'vitest';
import { checkNoSecretLoggedAfterAll } from './support/leak-check';
import { stopNodeTarget } from './support/targets/node';

afterAll(stopNodeTarget);

checkNoSecretLoggedAfterAll();
