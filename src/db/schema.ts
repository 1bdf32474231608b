// The tables as named exports, for drizzle-kit (drizzle.config.ts) and tests.
// Worker code uses tables() from ./tables, which builds them on first use.
import { tables } from './tables';

export const { accounts, apiTokens, oauthApps } = tables();
export type { ApiTokenRow, OAuthAppRow } from './tables';
