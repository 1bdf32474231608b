// One exported handler per route: validated input in, presenter out.
import type { Context } from 'hono';
import { requireGranted } from '../auth/authenticate';
import { DecryptionError } from '../crypto/field-cipher';
import { loadKeyring, type Keyring } from '../crypto/keyring';
import type { OAuthAppRow } from '../db/schema';
import type { AppEnv } from '../env';
import { ifMatchSatisfied } from '../http/conditional';
import { ApiError } from '../http/errors';
import { validationError } from '../http/validation';
import { answerResponse, commitWithAnswer, jsonAnswer } from '../idempotency/idempotency.middleware';
import { oauthAppEtag, presentOAuthApp, type Reveal } from './oauth-apps.presenter';
import {
  deleteOAuthApp,
  DuplicateOAuthAppError,
  findOAuthApp,
  insertOAuthApp,
  listOAuthApps,
  updateOAuthApp,
} from './oauth-apps.repository';
import {
  LIMITS,
  type CreateOAuthAppInput,
  type GetOAuthAppQuery,
  type ListOAuthAppsQuery,
  type UpdateOAuthAppInput,
} from './oauth-apps.schemas';
import { newOAuthAppRow, planOAuthAppUpdate, revealClientSecret } from './oauth-apps.service';

type In<Target extends 'json' | 'query', T> = { in: Record<Target, unknown>; out: Record<Target, T> };
type Ctx<I extends object = object> = Context<AppEnv, string, I>;

// App ids are UUIDs made by the server; anything else cannot name one.
const APP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Same answer for a malformed id, another account's app and a missing one. */
const notFound = () => new ApiError(404, 'No OAuth app with this id exists in this account.');

function appId(c: Ctx): string {
  const id = c.req.param('id') ?? '';
  if (!APP_ID.test(id)) throw notFound();
  return id;
}

const keyringOf = (c: Ctx) => loadKeyring(c.env.ENCRYPTION_KEYRING);

/** Secrets are shown only on request (truncate_secrets=false) and only with the secrets scope. */
function wantsSecrets(c: Ctx, truncateSecrets: string | undefined): boolean {
  if (truncateSecrets !== 'false') return false;
  requireGranted(c.var.auth, 'oauth_apps:secrets');
  return true;
}

/** Opens a row's secret; a row that fails to open reports it instead of failing the request. */
async function reveal(keyring: Keyring, row: OAuthAppRow): Promise<Reveal> {
  try {
    return { clientSecret: await revealClientSecret(keyring, row) };
  } catch (err) {
    if (!(err instanceof DecryptionError)) throw err;
    return { failure: `The client secret could not be decrypted: ${err.message}.`, at: new Date() };
  }
}

export async function createHandler(c: Ctx<In<'json', CreateOAuthAppInput>>): Promise<Response> {
  const row = await newOAuthAppRow(await keyringOf(c), c.var.auth.accountId, c.req.valid('json'), new Date());
  const answer = jsonAnswer(200, presentOAuthApp(row), { ETag: oauthAppEtag(row) });
  try {
    await commitWithAnswer(c, answer, async (alongside) => {
      await insertOAuthApp(c.var.db, row, alongside);
      return true;
    });
  } catch (err) {
    if (err instanceof DuplicateOAuthAppError) {
      throw new ApiError(409, `An OAuth app with this provider and client_id already exists: ${err.existingId}.`, {
        fields: { existing_id: err.existingId },
      });
    }
    throw err;
  }
  return answerResponse(answer);
}

export async function listHandler(c: Ctx<In<'query', ListOAuthAppsQuery>>): Promise<Response> {
  const query = c.req.valid('query');
  const secrets = wantsSecrets(c, query.truncate_secrets);
  const { db } = c.var;
  const { accountId } = c.var.auth;
  const limit = query.limit === undefined ? LIMITS.pageSize : Number(query.limit);

  const after = query.starting_after;
  const unknownCursor = () => validationError({ starting_after: ['is not the id of an OAuth app in this account'] });
  if (after !== undefined && !APP_ID.test(after)) throw unknownCursor();
  const filter = {
    provider: query.provider,
    healthStatus: query['health.status'],
    metadata: query.metadata === undefined ? undefined : (JSON.parse(query.metadata) as Record<string, unknown>),
  };
  // One row more than the page tells whether another page follows.
  const rows = await listOAuthApps(db, accountId, filter, after, limit + 1);
  // An empty page after a cursor: the end of the list, or a cursor that is not ours.
  if (rows.length === 0 && after !== undefined && !(await findOAuthApp(db, accountId, after))) throw unknownCursor();
  const page = rows.slice(0, limit);
  const keyring = secrets ? await keyringOf(c) : undefined;
  const data = await Promise.all(
    page.map(async (row) => presentOAuthApp(row, keyring && (await reveal(keyring, row)))),
  );
  return c.json({ data, has_more: rows.length > limit });
}

export async function getHandler(c: Ctx<In<'query', GetOAuthAppQuery>>): Promise<Response> {
  const id = appId(c);
  const secrets = wantsSecrets(c, c.req.valid('query').truncate_secrets);
  const row = await findOAuthApp(c.var.db, c.var.auth.accountId, id);
  if (!row) throw notFound();
  const revealed = secrets ? await reveal(await keyringOf(c), row) : undefined;
  return c.json(presentOAuthApp(row, revealed), 200, { ETag: oauthAppEtag(row) });
}

const MAX_UPDATE_ATTEMPTS = 3;

export async function updateHandler(c: Ctx<In<'json', UpdateOAuthAppInput>>): Promise<Response> {
  const id = appId(c);
  const input = c.req.valid('json');
  const ifMatch = c.req.header('If-Match');
  const { db } = c.var;
  // Compare-and-swap on the version: a write that lands between our read and
  // our update makes the update miss, and we read again.
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await findOAuthApp(db, c.var.auth.accountId, id);
    if (!current) throw notFound();
    const etag = oauthAppEtag(current);
    if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, etag)) {
      throw new ApiError(412, 'The OAuth app has changed since the ETag in If-Match; fetch it again.', {
        headers: { ETag: etag },
      });
    }
    const keyring = input.client_secret === undefined ? undefined : await keyringOf(c);
    const plan = await planOAuthAppUpdate(keyring, current, input, new Date());
    if (!plan) return answerResponse(jsonAnswer(200, presentOAuthApp(current), { ETag: etag }));
    const answer = jsonAnswer(200, presentOAuthApp(plan.next), { ETag: oauthAppEtag(plan.next) });
    const applied = await commitWithAnswer(c, answer, (alongside) =>
      updateOAuthApp(db, current, plan.changes, alongside),
    );
    if (applied) return answerResponse(answer);
  }
  throw new ApiError(409, 'The OAuth app is being changed by other requests; retry.');
}

export async function deleteHandler(c: Ctx): Promise<Response> {
  const id = appId(c);
  if (!(await deleteOAuthApp(c.var.db, c.var.auth.accountId, id))) throw notFound();
  return c.json({ id, deleted: true });
}
