// For every project: the OAuth servers the verification tests ask
// (test/support/provider-servers.ts), on the ports vitest.config.ts chose;
// stopped after the run.
import { startGithubDialect, startOidcProvider } from './support/provider-servers';
import type { TestProviders } from './support/test-providers';

export default async function setup(): Promise<() => Promise<void>> {
  const providers = JSON.parse(process.env.TEST_PROVIDERS ?? 'null') as TestProviders | null;
  if (!providers) throw new Error('TEST_PROVIDERS is not set (vitest.config.ts sets it)');
  const oidc = await startOidcProvider(Number(new URL(providers.oidc).port), providers);
  const github = await startGithubDialect(Number(new URL(providers.github).port), providers);
  return async () => {
    await github.stop();
    await oidc.stop();
  };
}
