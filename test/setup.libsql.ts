// Runs before every test file of the worker-libsql project: the server was
// started and migrated by test/global-setup.sqld.ts; here only the leak check.
import { checkNoSecretLoggedAfterAll } from './support/leak-check';

checkNoSecretLoggedAfterAll();
