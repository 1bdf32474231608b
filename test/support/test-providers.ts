// Where the verification tests' OAuth servers listen and the clients they
// know (chosen by vitest.config.ts per run, passed to every target as
// TEST_PROVIDERS), and the PROVIDER_TOKEN_URLS that aims providers at them.
export interface TestClient {
  id: string;
  secret: string;
}

export interface TestProviders {
  /** oidc-provider's issuer (its token endpoint is /token). */
  oidc: string;
  /** The GitHub-dialect server. */
  github: string;
  /** A loopback port nothing listens on: a provider that is down. */
  down: string;
  clients: { basic: TestClient; post: TestClient; github: TestClient };
}

/**
 * Every provider verify can ask, routed to loopback, so no test reaches a real
 * provider: QuickBooks and Workday (client_secret_basic) and Linear
 * (client_secret_post) to oidc-provider, GitHub to its dialect's server, the
 * rest to a port nothing listens on.
 */
export function testTokenUrls(p: Pick<TestProviders, 'oidc' | 'github' | 'down'>): Record<string, string> {
  const down = `${p.down}/token`;
  return {
    airtable: down,
    auth0: down,
    hubspot: down,
    netsuite: down,
    salesforce: down,
    stripe: down,
    quickbooks: `${p.oidc}/token`,
    workday: `${p.oidc}/token`,
    linear: `${p.oidc}/token`,
    github: `${p.github}/login/oauth/access_token`,
  };
}
