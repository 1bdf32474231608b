// The token endpoint a verification may call, or the refusal that says why
// there is none: one rule for POST .../verify and a save with ?verify=true.
import type { AppConfig } from '../config/app-config';
import { ApiError } from '../http/errors';
import { validationError } from '../http/validation';
import { tokenEndpointOf, type Endpoint, type ProviderSettings } from './token-endpoint';

/** The token endpoint a verification of this provider and settings may call, or the refusal (422) that says why none. */
export function endpointOrRefuse(provider: string, settings: ProviderSettings, config: AppConfig): Extract<Endpoint, { url: URL }> {
  const endpoint = tokenEndpointOf(provider, settings, config.providerTokenUrls);
  if ('unsupported' in endpoint) {
    throw new ApiError('verification_unsupported', `${endpoint.unsupported} Nothing was sent; health is as before.`, {
      // A 422 always says what to fix, field by field: here, nothing the caller can (the provider).
      validationErrors: { provider: ['offers no app-level probe of client credentials (GET /v1/providers says why)'] },
    });
  }
  if ('missing' in endpoint) {
    throw validationError(
      Object.fromEntries(endpoint.missing.map((name) => [`provider_settings.${name}`, ['is required to verify (set it with PATCH)']])),
    );
  }
  if ('refused' in endpoint) throw validationError({ provider_settings: [endpoint.refused] });
  return endpoint;
}
