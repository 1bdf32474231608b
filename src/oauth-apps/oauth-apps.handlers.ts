// One exported handler per route: validated input in, presenter out.
import type { Context } from 'hono';
import { loadKeyring } from '../crypto/keyring';
import type { AppEnv } from '../env';
import { ApiError } from '../http/errors';
import { presentOAuthApp } from './oauth-apps.presenter';
import { DuplicateOAuthAppError } from './oauth-apps.repository';
import type { CreateOAuthAppInput } from './oauth-apps.schemas';
import { createOAuthApp } from './oauth-apps.service';

type CreateContext = Context<AppEnv, '/', { in: { json: unknown }; out: { json: CreateOAuthAppInput } }>;

export async function createHandler(c: CreateContext): Promise<Response> {
  const input = c.req.valid('json');
  const keyring = await loadKeyring(c.env.ENCRYPTION_KEYRING);
  try {
    const row = await createOAuthApp(c.var.db, keyring, c.var.auth.accountId, input);
    return c.json(presentOAuthApp(row), 200);
  } catch (err) {
    if (err instanceof DuplicateOAuthAppError) {
      throw new ApiError(
        409,
        `An OAuth app with this provider and client_id already exists: ${err.existingId}.`,
        { fields: { existing_id: err.existingId } },
      );
    }
    throw err;
  }
}
