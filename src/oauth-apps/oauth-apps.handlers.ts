// One exported handler per route: validated input in, presenter out. Each
// write reads top to bottom: its guard, then the row with its idempotency
// answer and audit event, side by side, in one batch.
import type { Context } from 'hono';
import { and } from 'drizzle-orm';
import { requestActor, type NewAuditEvent } from '../audit/audit-events';
import { auditStatements } from '../audit/audit.repository';
import { requireGranted } from '../auth/authenticate';
import { loadKeyring } from '../crypto/keyring';
import type { AppEnv } from '../env';
import { ifMatchSatisfied } from '../http/conditional';
import { ApiError } from '../http/errors';
import { pageBody, readPage } from '../http/pagination';
import { validationError } from '../http/validation';
import { providerSettingsProblems } from '../verification/token-endpoint';
import { answered, answerResponse, idempotentAnswer, jsonAnswer, refuseIfLeaseLost, stillReserved } from '../idempotency/answer';
import { orderMetadataFilter } from './oauth-apps.metadata-index';
import { oauthAppEtag, presentOAuthApp } from './oauth-apps.presenter';
import {
  AppQuotaReachedError,
  createConflict,
  deleteOAuthApp,
  DuplicateOAuthAppError,
  findOAuthApp,
  insertOAuthApp,
  listOAuthAppsPage,
  oauthAppAtVersion,
  oauthAppExists,
  oauthAppIsFree,
  updateOAuthApp,
} from './oauth-apps.repository';
import { revealSecrets } from './oauth-apps.reveal';
import {
  APP_ID,
  type CreateOAuthAppInput,
  type GetOAuthAppQuery,
  type ListOAuthAppsQuery,
  type UpdateOAuthAppInput,
} from './oauth-apps.schemas';
import { changedFields, newOAuthAppRow, planOAuthAppUpdate } from './oauth-apps.service';

type In<Target extends 'json' | 'query', T> = { in: Record<Target, unknown>; out: Record<Target, T> };
type Ctx<I extends object = object> = Context<AppEnv, string, I>;

/** Same answer for a malformed id, another account's app and a missing one. */
export const notFound = () => new ApiError('app_not_found', 'No OAuth app with this id exists in this account.');

export function appId(c: Ctx): string {
  const id = c.req.param('id') ?? '';
  if (!APP_ID.test(id)) throw notFound();
  return id;
}

export const keyringOf = (c: Ctx) => loadKeyring(c.var.config.encryptionKeyring);

/**
 * Secrets are shown only on request (truncate_secrets=false) and only with the
 * secrets scope. A HEAD asks the same question (same scope check, same
 * headers) but carries no body: nothing is decrypted, and no reveal recorded.
 */
function wantsSecrets(c: Ctx, truncateSecrets: string | undefined): boolean {
  if (truncateSecrets !== 'false') return false;
  requireGranted(c.var.auth, 'oauth_apps:secrets');
  return c.req.method !== 'HEAD';
}

function conflictError(err: DuplicateOAuthAppError | AppQuotaReachedError): ApiError {
  if (err instanceof DuplicateOAuthAppError) {
    return new ApiError('app_duplicate', `An OAuth app with this provider and client_id already exists: ${err.existingId}.`, {
      fields: { existing_id: err.existingId },
    });
  }
  return new ApiError(
    'quota_reached',
    `This account holds its maximum of ${err.maxApps} OAuth apps; delete one before creating another. Nothing was created.`,
  );
}

/** provider_settings the provider does not take, or whose values do not fit its token endpoint: a 422. */
function refuseBadSettings(provider: string, settings: Record<string, string> | null | undefined): void {
  if (!settings) return;
  const problems = providerSettingsProblems(provider, settings);
  if (Object.keys(problems).length > 0) throw validationError(problems);
}

export async function createHandler(c: Ctx<In<'json', CreateOAuthAppInput>>): Promise<Response> {
  const { maxAppsPerAccount } = c.var.config;
  const { db } = c.var;
  const keyring = await keyringOf(c);
  const input = c.req.valid('json');
  refuseBadSettings(input.provider, input.provider_settings);
  const now = new Date();
  const row = await newOAuthAppRow(keyring, c.var.auth.accountId, input, now);
  const answer = jsonAnswer(200, presentOAuthApp(row, keyring), { ETag: oauthAppEtag(row) });
  const event: NewAuditEvent = {
    accountId: row.accountId,
    appIds: [row.id],
    action: 'oauth_app.created',
    details: { key_id: row.clientSecretKeyId },
  };
  const guard = and(oauthAppIsFree(row, maxAppsPerAccount), stillReserved(c))!;
  const alongside = [...idempotentAnswer(c, answer, guard), ...auditStatements(db, event, requestActor(c), now, guard)];
  // Twice at most: the conflicting app may be deleted between the batch and the look at why.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await insertOAuthApp(db, row, guard, alongside)) {
      answered(c);
      return answerResponse(answer);
    }
    await refuseIfLeaseLost(c);
    const conflict = await createConflict(db, row, maxAppsPerAccount);
    if (conflict) throw conflictError(conflict);
  }
  throw new Error('insert of an OAuth app conflicted twice without a visible conflicting row');
}

export async function listHandler(c: Ctx<In<'query', ListOAuthAppsQuery>>): Promise<Response> {
  const query = c.req.valid('query');
  const secrets = wantsSecrets(c, query.truncate_secrets);
  const { db } = c.var;
  const { accountId } = c.var.auth;
  const keyring = await keyringOf(c);
  const health = query['health.status'];
  // Rarest entry first; undefined when an entry matches no app (then no page query is needed).
  const metadata =
    query.metadata === undefined
      ? { entries: [], commonDriver: false }
      : await orderMetadataFilter(db, accountId, JSON.parse(query.metadata) as Record<string, unknown>);
  const filter = {
    provider: query.provider,
    health: health === undefined ? undefined : { status: health, keyring },
    metadata: metadata?.entries,
    commonDriver: metadata?.commonDriver,
  };
  const cursor = {
    pattern: APP_ID,
    unknown: 'is not the id of an OAuth app in this account',
    exists: async (id: string) => (await findOAuthApp(db, accountId, id)) !== undefined,
  };
  const { rows, hasMore } = await readPage(query, cursor, async (after, n) =>
    filter.metadata === undefined ? [] : listOAuthAppsPage(db, accountId, filter, after, n),
  );
  if (!secrets) return c.json(pageBody(rows.map((row) => presentOAuthApp(row, keyring)), hasMore));
  // One reveal event for the page, naming every app whose secret it carries.
  const revealed = await revealSecrets(db, requestActor(c), keyring, rows);
  return c.json(pageBody(revealed.rows.map((row) => presentOAuthApp(row, keyring, revealed.reveals.get(row.id))), hasMore));
}

export async function getHandler(c: Ctx<In<'query', GetOAuthAppQuery>>): Promise<Response> {
  const id = appId(c);
  const secrets = wantsSecrets(c, c.req.valid('query').truncate_secrets);
  const row = await findOAuthApp(c.var.db, c.var.auth.accountId, id);
  if (!row) throw notFound();
  const keyring = await keyringOf(c);
  if (!secrets) return c.json(presentOAuthApp(row, keyring), 200, { ETag: oauthAppEtag(row) });
  const revealed = await revealSecrets(c.var.db, requestActor(c), keyring, [row]);
  return c.json(presentOAuthApp(revealed.rows[0]!, keyring, revealed.reveals.get(row.id)), 200, { ETag: oauthAppEtag(row) });
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
      throw new ApiError('precondition_failed', 'The OAuth app has changed since the ETag in If-Match; fetch it again.', {
        headers: { ETag: etag },
      });
    }
    refuseBadSettings(current.provider, input.provider_settings);
    const keyring = await keyringOf(c);
    const now = new Date();
    const plan = await planOAuthAppUpdate(keyring, current, input, now);
    // Nothing would change: no write, no event.
    if (!plan) return answerResponse(jsonAnswer(200, presentOAuthApp(current, keyring), { ETag: etag }));
    const answer = jsonAnswer(200, presentOAuthApp(plan.next, keyring), { ETag: oauthAppEtag(plan.next) });
    const event: NewAuditEvent = {
      accountId: current.accountId,
      appIds: [current.id],
      action: 'oauth_app.updated',
      details: {
        fields: changedFields(plan.changes),
        ...(plan.changes.clientSecretKeyId === undefined ? {} : { key_id: plan.changes.clientSecretKeyId }),
      },
    };
    const guard = and(oauthAppAtVersion(current), stillReserved(c))!;
    const alongside = [...idempotentAnswer(c, answer, guard), ...auditStatements(db, event, requestActor(c), now, guard)];
    if (await updateOAuthApp(db, current, plan.changes, guard, alongside)) {
      answered(c);
      return answerResponse(answer);
    }
    await refuseIfLeaseLost(c);
  }
  throw new ApiError('write_conflict', 'The OAuth app is being changed by other requests; retry.');
}

export async function deleteHandler(c: Ctx): Promise<Response> {
  const id = appId(c);
  const { accountId } = c.var.auth;
  const event: NewAuditEvent = { accountId, appIds: [id], action: 'oauth_app.deleted' };
  const guard = oauthAppExists(accountId, id);
  const deleted = await deleteOAuthApp(c.var.db, accountId, id, guard, auditStatements(c.var.db, event, requestActor(c), new Date(), guard));
  if (!deleted) throw notFound();
  return c.json({ id, deleted: true });
}
