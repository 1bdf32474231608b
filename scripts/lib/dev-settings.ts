// Names shared by the local-development scripts.
import type { Scope } from '../../src/auth/scopes';
import { SCOPES } from '../../src/auth/scopes';

export const DEV_PORT = 8787;
export const DEV_ACCOUNT = 'dev';
export { DEV_VARS_FILE } from '../../src/node/local-keyring';
export const DEV_TOKEN_FILE = '.dev-token';
export const ALL_SCOPES_FOR_DEV: Scope[] = [...SCOPES];
