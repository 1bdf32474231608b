// The providers an OAuth app may belong to (the public API's list).
export const PROVIDERS = [
  { id: 'airtable', name: 'Airtable' },
  { id: 'auth0', name: 'Auth0' },
  { id: 'hubspot', name: 'HubSpot' },
  { id: 'github', name: 'GitHub' },
  { id: 'linear', name: 'Linear' },
  { id: 'marketo', name: 'Marketo' },
  { id: 'netsuite', name: 'NetSuite' },
  { id: 'quickbooks', name: 'QuickBooks' },
  { id: 'salesforce', name: 'Salesforce' },
  { id: 'sendgrid', name: 'SendGrid' },
  { id: 'servicenow', name: 'ServiceNow' },
  { id: 'shopify', name: 'Shopify' },
  { id: 'stripe', name: 'Stripe' },
  { id: 'workday', name: 'Workday' },
] as const;

export type ProviderId = (typeof PROVIDERS)[number]['id'];

export const PROVIDER_IDS = PROVIDERS.map((p) => p.id) as [ProviderId, ...ProviderId[]];
