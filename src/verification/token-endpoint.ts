// Where a verification may send an app's client credentials: only the token
// endpoint the catalog names for the app's provider, over https, its
// template variables (the app's provider_settings) checked by pattern and,
// once in the URL, by the provider's host suffix; or the operator's
// PROVIDER_TOKEN_URLS override, the only place an http:// loopback URL can
// come from. No input of a tenant can aim a request anywhere else.
import { PROVIDER_IDS, providerOf, type Provider } from '../providers/providers';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Characters a template value may hold at all, whatever its pattern: none that can end a host or start a path. */
const SAFE_VALUE = /^[A-Za-z0-9._-]+$/;

/** The provider settings an app may hold: string values, one per setting the template names. */
export type ProviderSettings = Record<string, string>;

/**
 * PROVIDER_TOKEN_URLS: a JSON object of provider id -> absolute URL, https,
 * or http to a loopback host. A bad value: what it must be (never echoing it).
 */
export function parseTokenUrlOverrides(raw: string | undefined): { overrides: ReadonlyMap<string, URL> } | { mustBe: string } {
  const overrides = new Map<string, URL>();
  if (raw === undefined) return { overrides };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { mustBe: 'a JSON object of provider id to token URL' };
  for (const [id, value] of Object.entries(parsed)) {
    if (!(PROVIDER_IDS as readonly string[]).includes(id)) {
      return { mustBe: `a JSON object whose keys are provider ids (${PROVIDER_IDS.join(', ')})` };
    }
    const url = typeof value === 'string' ? parsedUrl(value) : undefined;
    const allowed =
      url !== undefined &&
      url.username === '' &&
      url.password === '' &&
      (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)));
    if (!allowed) {
      return { mustBe: 'a JSON object whose values are https:// URLs (or http:// URLs on 127.0.0.1, localhost or [::1]), without credentials' };
    }
    overrides.set(id, url);
  }
  return { overrides };
}

/** Why provider_settings are refused for this provider, per field; empty when they are fine. */
export function providerSettingsProblems(providerId: string, settings: Record<string, unknown>): Record<string, string[]> {
  const provider = providerOf(providerId);
  const known = new Map((provider.settings ?? []).map((s) => [s.name, s]));
  const problems: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of Object.entries(settings)) {
    const setting = known.get(name);
    const field = `provider_settings.${name.length > 64 ? `${name.slice(0, 64)}…` : name}`;
    if (!setting) {
      problems[field] = [
        known.size === 0 ? `is not a setting of ${provider.name} (it takes none)` : `is not a setting of ${provider.name} (it takes ${[...known.keys()].join(', ')})`,
      ];
    } else if (typeof value !== 'string') {
      problems[field] = ['must be a string'];
    } else if (!SAFE_VALUE.test(value) || !setting.pattern.test(value)) {
      problems[field] = [`must match ${setting.pattern.source} (e.g. ${setting.example})`];
    }
  }
  if (Object.keys(problems).length > 0) return problems;
  // Every value well-formed, and all there: the URL they make must still be the provider's.
  if ((provider.settings ?? []).some((s) => settings[s.name] === undefined)) return problems;
  const resolved = templatedUrl(provider, settings as ProviderSettings);
  if ('refused' in resolved) {
    for (const s of provider.settings ?? []) if (settings[s.name] !== undefined) problems[`provider_settings.${s.name}`] = [resolved.refused];
  }
  return problems;
}

export type Endpoint =
  | { url: URL; provider: Provider }
  /** The provider offers no probe (its reason), or the app lacks settings the template needs, or they aim elsewhere. */
  | { unsupported: string }
  | { missing: string[] }
  | { refused: string };

/** The token endpoint a verification of this app may call. */
export function tokenEndpointOf(providerId: string, settings: ProviderSettings, overrides: ReadonlyMap<string, URL>): Endpoint {
  const provider = providerOf(providerId);
  if (!provider.dialect || provider.tokenEndpoint === null) {
    return { unsupported: provider.unsupportedReason ?? `${provider.name} offers no app-level probe.` };
  }
  const override = overrides.get(provider.id);
  if (override) return { url: new URL(override.href), provider };
  const missing = (provider.settings ?? []).map((s) => s.name).filter((name) => settings[name] === undefined);
  if (missing.length > 0) return { missing };
  const resolved = templatedUrl(provider, settings);
  return 'refused' in resolved ? resolved : { url: resolved.url, provider };
}

/** The catalog's URL with the settings filled in, if it is https on one of the provider's hosts. */
function templatedUrl(provider: Provider, settings: ProviderSettings): { url: URL } | { refused: string } {
  const template = provider.tokenEndpoint ?? '';
  let bad = false;
  const text = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = settings[name] ?? '';
    if (!SAFE_VALUE.test(value)) bad = true;
    return value;
  });
  const refused = { refused: `must make a token URL on ${(provider.hostSuffixes ?? []).map((s) => `*${s}`).join(' or ')}` };
  const url = bad ? undefined : parsedUrl(text);
  if (!url) return refused;
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '' || url.search !== '' || url.hash !== '') {
    return refused;
  }
  const suffixes = provider.hostSuffixes;
  if (suffixes && !suffixes.some((suffix) => url.hostname.endsWith(suffix) && url.hostname.length > suffix.length)) return refused;
  return { url };
}

function parsedUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
