// The same consumer against the client @hey-api/openapi-ts generates from
// public/openapi.json (into .contract/hey-api by npm run contract:judges).
// Type-checked there; never run.
import { createOAuthApp, listOAuthApps, updateOAuthApp } from '../../.contract/hey-api';

export async function consumer(): Promise<void> {
  await listOAuthApps({ query: { limit: 20, truncate_secrets: false } });
  await createOAuthApp({ body: { provider: 'stripe', client_id: 'c', client_secret: 's', name: 'n', metadata: { custom_property: 42 } } });
  await updateOAuthApp({ path: { id: 'x' }, body: { name: 'renamed' } });

  // @ts-expect-error: a name is a string
  await createOAuthApp({ body: { provider: 'stripe', client_id: 'c', client_secret: 's', name: 42 } });
  // @ts-expect-error: provider cannot be changed
  await updateOAuthApp({ path: { id: 'x' }, body: { provider: 'github' } });
  // @ts-expect-error: limit is a number
  await listOAuthApps({ query: { limit: '20' } });
}
