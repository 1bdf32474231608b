// The providers an OAuth app may belong to (the public API's list), with what
// verifying an app's client credentials needs of each: the token endpoint (a
// fixed https URL, or a template whose {variables} are the app's
// provider_settings), the client authentication it expects, and how it
// reports a rejected client versus a rejected grant. Sources: each provider's
// OAuth documentation and Nango's public providers catalog; none of these
// answers could be exercised here, so anything else a provider says is
// inconclusive, never a verdict (src/verification/probe.ts).

/** A per-app value a token endpoint template needs: where the host is per tenant. */
export interface ProviderSetting {
  name: string;
  description: string;
  /** What the value must match, whole (also checked against the host suffix once in the URL). */
  pattern: RegExp;
  example: string;
}

/** How a provider's token endpoint tells a rejected client from a rejected grant. */
export interface BadClientDialect {
  /** The JSON field of the answer that holds the error code. */
  field: 'error' | 'status';
  /** Codes that mean: the client credentials were rejected. */
  rejected: readonly string[];
  /** Codes that mean: the client was authenticated and only the (never-issued) code refused. */
  accepted: readonly string[];
  /** An accepted code whose description matches this is a rejected client after all (Salesforce). */
  rejectedIfDescription?: RegExp;
}

export interface Provider {
  id: string;
  name: string;
  /** https URL, or a template over `settings` ({name}); null: no OAuth token endpoint. */
  tokenEndpoint: string | null;
  /** Hosts a templated endpoint may resolve to (the hostname ends with one of these). */
  hostSuffixes?: readonly string[];
  settings?: readonly ProviderSetting[];
  clientAuthentication: 'client_secret_basic' | 'client_secret_post' | null;
  /** Present when an app-level probe can tell; else why not. */
  dialect?: BadClientDialect;
  /** The endpoint insists on PKCE: the probe sends a random code_verifier. */
  pkce?: boolean;
  unsupportedReason?: string;
}

const RFC6749: BadClientDialect = { field: 'error', rejected: ['invalid_client'], accepted: ['invalid_grant'] };
/** A DNS label, lower case. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A hostname of lower-case labels. */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const PROVIDERS = [
  {
    id: 'airtable',
    name: 'Airtable',
    tokenEndpoint: 'https://airtable.com/oauth2/v1/token',
    clientAuthentication: 'client_secret_basic',
    dialect: RFC6749,
    pkce: true,
  },
  {
    id: 'auth0',
    name: 'Auth0',
    tokenEndpoint: 'https://{tenant_domain}/oauth/token',
    hostSuffixes: ['.auth0.com'],
    settings: [
      {
        name: 'tenant_domain',
        description: 'The tenant\'s Auth0 domain, e.g. acme.us.auth0.com (custom domains are not accepted).',
        pattern: HOSTNAME,
        example: 'acme.us.auth0.com',
      },
    ],
    clientAuthentication: 'client_secret_post',
    // Auth0 answers a wrong client secret with 401 access_denied ("Unauthorized").
    dialect: { field: 'error', rejected: ['invalid_client', 'access_denied'], accepted: ['invalid_grant'] },
  },
  {
    id: 'hubspot',
    name: 'HubSpot',
    tokenEndpoint: 'https://api.hubapi.com/oauth/v1/token',
    clientAuthentication: 'client_secret_post',
    // HubSpot's v1 token endpoint names its errors in a "status" field.
    dialect: { field: 'status', rejected: ['BAD_CLIENT_ID', 'BAD_CLIENT_SECRET'], accepted: ['BAD_AUTH_CODE'] },
  },
  {
    id: 'github',
    name: 'GitHub',
    tokenEndpoint: 'https://github.com/login/oauth/access_token',
    clientAuthentication: 'client_secret_post',
    // HTTP 200 with an error field, in JSON when asked with Accept: application/json.
    dialect: { field: 'error', rejected: ['incorrect_client_credentials'], accepted: ['bad_verification_code'] },
  },
  {
    id: 'linear',
    name: 'Linear',
    tokenEndpoint: 'https://api.linear.app/oauth/token',
    clientAuthentication: 'client_secret_post',
    dialect: RFC6749,
  },
  {
    id: 'marketo',
    name: 'Marketo',
    tokenEndpoint: 'https://{munchkin_id}.mktorest.com/identity/oauth/token',
    hostSuffixes: ['.mktorest.com'],
    settings: [{ name: 'munchkin_id', description: 'The Munchkin account id, e.g. 123-abc-456.', pattern: /^[0-9]{3}-[a-z]{3}-[0-9]{3}$/, example: '123-abc-456' }],
    clientAuthentication: 'client_secret_post',
    unsupportedReason:
      'Marketo issues tokens only by the client_credentials grant: a probe would mint a real access token, so none is made.',
  },
  {
    id: 'netsuite',
    name: 'NetSuite',
    tokenEndpoint: 'https://{account_id}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token',
    hostSuffixes: ['.suitetalk.api.netsuite.com'],
    settings: [
      {
        name: 'account_id',
        description: 'The account id as it appears in the account\'s hostnames: lower case, "-" for "_" (1234567, 1234567-sb1).',
        pattern: LABEL,
        example: '1234567-sb1',
      },
    ],
    clientAuthentication: 'client_secret_basic',
    dialect: RFC6749,
  },
  {
    id: 'quickbooks',
    name: 'QuickBooks',
    tokenEndpoint: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    clientAuthentication: 'client_secret_basic',
    dialect: RFC6749,
  },
  {
    id: 'salesforce',
    name: 'Salesforce',
    tokenEndpoint: 'https://login.salesforce.com/services/oauth2/token',
    clientAuthentication: 'client_secret_post',
    // invalid_client_id: unknown consumer key; invalid_grant can also mean "invalid client credentials".
    dialect: {
      field: 'error',
      rejected: ['invalid_client', 'invalid_client_id'],
      accepted: ['invalid_grant'],
      rejectedIfDescription: /client credentials|invalid client/i,
    },
  },
  {
    id: 'sendgrid',
    name: 'SendGrid',
    tokenEndpoint: null,
    clientAuthentication: null,
    unsupportedReason: 'SendGrid offers no OAuth token endpoint for third-party apps (it authenticates with API keys).',
  },
  {
    id: 'servicenow',
    name: 'ServiceNow',
    tokenEndpoint: 'https://{instance}.service-now.com/oauth_token.do',
    hostSuffixes: ['.service-now.com'],
    settings: [{ name: 'instance', description: 'The instance name, e.g. acme for acme.service-now.com.', pattern: LABEL, example: 'acme' }],
    clientAuthentication: 'client_secret_post',
    unsupportedReason:
      'ServiceNow answers every refused token request alike (401, server_error, access_denied): a rejected client cannot be told from a rejected code.',
  },
  {
    id: 'shopify',
    name: 'Shopify',
    tokenEndpoint: 'https://{shop}.myshopify.com/admin/oauth/access_token',
    hostSuffixes: ['.myshopify.com'],
    settings: [{ name: 'shop', description: 'The shop name, e.g. acme for acme.myshopify.com.', pattern: LABEL, example: 'acme' }],
    clientAuthentication: 'client_secret_post',
    unsupportedReason:
      'Shopify documents no token-endpoint error that tells a rejected client from a rejected code, so a probe could not tell.',
  },
  {
    id: 'stripe',
    name: 'Stripe',
    tokenEndpoint: 'https://connect.stripe.com/oauth/token',
    clientAuthentication: 'client_secret_post',
    dialect: RFC6749,
  },
  {
    id: 'workday',
    name: 'Workday',
    tokenEndpoint: 'https://{host}/ccx/oauth2/{tenant}/token',
    hostSuffixes: ['.workday.com', '.myworkday.com'],
    settings: [
      {
        name: 'host',
        description: 'The tenant\'s Workday services host, under workday.com or myworkday.com (wd2-impl-services1.workday.com).',
        pattern: HOSTNAME,
        example: 'wd2-impl-services1.workday.com',
      },
      { name: 'tenant', description: 'The tenant name, as in its URLs (acme_dpt1).', pattern: /^[A-Za-z0-9_]{1,64}$/, example: 'acme_dpt1' },
    ],
    clientAuthentication: 'client_secret_basic',
    dialect: RFC6749,
  },
] as const satisfies readonly Provider[];

export type ProviderId = (typeof PROVIDERS)[number]['id'];

export const PROVIDER_IDS = PROVIDERS.map((p) => p.id) as [ProviderId, ...ProviderId[]];

const byId = new Map<string, Provider>(PROVIDERS.map((p) => [p.id, p]));

/** The catalog entry of a provider id (every stored app's provider has one). */
export function providerOf(id: string): Provider {
  const provider = byId.get(id);
  if (!provider) throw new Error(`unknown provider ${id}`);
  return provider;
}

/** The provider as GET /v1/providers shows it: documented fields, no internals. */
export function presentProvider(p: Provider) {
  return {
    id: p.id,
    name: p.name,
    token_endpoint: p.tokenEndpoint,
    client_authentication: p.clientAuthentication,
    settings: (p.settings ?? []).map((s) => ({ name: s.name, description: s.description, pattern: s.pattern.source, example: s.example })),
    verification: p.dialect
      ? {
          supported: true,
          reason: null,
          error_field: p.dialect.field,
          rejected_client: [...p.dialect.rejected],
          accepted_client: [...p.dialect.accepted],
        }
      : { supported: false, reason: p.unsupportedReason ?? null, error_field: null, rejected_client: [], accepted_client: [] },
  };
}
