// One exported handler per route: validated input in, presenter out.
import type { Context } from 'hono';
import type { SQL } from 'drizzle-orm';
import { requestActor, type NewAuditEvent } from '../audit/audit-events';
import { auditManyStatement, auditStatement } from '../audit/audit.repository';
import { requireGranted } from '../auth/authenticate';
import { loadKeyring, type Keyring } from '../crypto/keyring';
import { nothingAlongside, type Alongside, type Statement } from '../db/client';
import type { OAuthAppRow } from '../db/schema';
import { readConfig, type AppEnv } from '../env';
import { ifMatchSatisfied } from '../http/conditional';
import { ApiError } from '../http/errors';
import { pageBody, readPage } from '../http/pagination';
import { answerResponse, commitWithAnswer, jsonAnswer } from '../idempotency/idempotency.middleware';
import { orderMetadataFilter } from './oauth-apps.metadata-index';
import { oauthAppEtag, presentOAuthApp, type Reveal } from './oauth-apps.presenter';
import {
  AppQuotaReachedError,
  deleteOAuthApp,
  DuplicateOAuthAppError,
  findOAuthApp,
  insertOAuthApp,
  listOAuthAppsPage,
  recordVerdictsStatement,
  updateOAuthApp,
  type Verdict,
} from './oauth-apps.repository';
import {
  APP_ID,
  type CreateOAuthAppInput,
  type GetOAuthAppQuery,
  type ListOAuthAppsQuery,
  type UpdateOAuthAppInput,
} from './oauth-apps.schemas';
import { changedFields, newOAuthAppRow, openClientSecret, planOAuthAppUpdate } from './oauth-apps.service';

type In<Target extends 'json' | 'query', T> = { in: Record<Target, unknown>; out: Record<Target, T> };
type Ctx<I extends object = object> = Context<AppEnv, string, I>;

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

/** Audit statements of a change, to commit with it (and the idempotency answer) under the write's guard. */
function audited(alongside: Alongside, c: Ctx, event: NewAuditEvent, now: Date): Alongside {
  return (guard: SQL) => [...alongside(guard), auditStatement(c.var.db, event, requestActor(c), now, guard)];
}

/**
 * Opens the rows' secrets. Before any is shown, one batch records a reveal
 * event per secret disclosed and any change in a row's verdict (a secret that
 * no longer authenticates is health error from now on; one that opens again
 * is ok). A row that fails to open reports it instead of failing the request.
 */
async function revealAll(c: Ctx, keyring: Keyring, rows: OAuthAppRow[]): Promise<Map<string, Reveal>> {
  const now = new Date();
  const reveals = new Map<string, Reveal>();
  const verdicts: Verdict[] = [];
  const disclosed: { accountId: string; appId: string }[] = [];
  const opened = await Promise.all(rows.map((row) => openClientSecret(keyring, row)));
  for (const [i, row] of rows.entries()) {
    const judged = { id: row.id, ciphertext: row.clientSecretCiphertext };
    const result = opened[i]!;
    if ('plaintext' in result) {
      reveals.set(row.id, { clientSecret: result.plaintext });
      disclosed.push({ accountId: row.accountId, appId: row.id });
      if (row.healthStatus !== 'ok') verdicts.push({ ...judged, status: 'ok', notes: [] });
    } else {
      reveals.set(row.id, { failure: result.note, at: now });
      if (result.rowAtFault && row.healthStatus !== 'error') verdicts.push({ ...judged, status: 'error', notes: [result.note] });
    }
  }
  const statements: Statement[] = [];
  if (disclosed.length > 0) statements.push(auditManyStatement(c.var.db, 'oauth_app.secret_revealed', disclosed, requestActor(c), now));
  if (verdicts.length > 0) statements.push(recordVerdictsStatement(c.var.db, verdicts, now));
  if (statements.length > 0) await c.var.db.batch(statements as [Statement, ...Statement[]]);
  return reveals;
}

export async function createHandler(c: Ctx<In<'json', CreateOAuthAppInput>>): Promise<Response> {
  const { maxAppsPerAccount } = readConfig(c.env);
  const keyring = await keyringOf(c);
  const now = new Date();
  const row = await newOAuthAppRow(keyring, c.var.auth.accountId, c.req.valid('json'), now);
  const answer = jsonAnswer(200, presentOAuthApp(row, keyring), { ETag: oauthAppEtag(row) });
  const event: NewAuditEvent = {
    accountId: row.accountId,
    appId: row.id,
    action: 'oauth_app.created',
    details: { key_id: row.clientSecretKeyId },
  };
  try {
    await commitWithAnswer(c, answer, async (alongside) => {
      await insertOAuthApp(c.var.db, row, maxAppsPerAccount, audited(alongside, c, event, now));
      return true;
    });
  } catch (err) {
    if (err instanceof DuplicateOAuthAppError) {
      throw new ApiError(409, `An OAuth app with this provider and client_id already exists: ${err.existingId}.`, {
        fields: { existing_id: err.existingId },
      });
    }
    if (err instanceof AppQuotaReachedError) {
      throw new ApiError(
        403,
        `This account holds its maximum of ${err.maxApps} OAuth apps; delete one before creating another. Nothing was created.`,
      );
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
  const reveals = secrets ? await revealAll(c, keyring, rows) : undefined;
  return c.json(pageBody(rows.map((row) => presentOAuthApp(row, keyring, reveals?.get(row.id))), hasMore));
}

export async function getHandler(c: Ctx<In<'query', GetOAuthAppQuery>>): Promise<Response> {
  const id = appId(c);
  const secrets = wantsSecrets(c, c.req.valid('query').truncate_secrets);
  const row = await findOAuthApp(c.var.db, c.var.auth.accountId, id);
  if (!row) throw notFound();
  const keyring = await keyringOf(c);
  const revealed = secrets ? (await revealAll(c, keyring, [row])).get(row.id) : undefined;
  return c.json(presentOAuthApp(row, keyring, revealed), 200, { ETag: oauthAppEtag(row) });
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
    const keyring = await keyringOf(c);
    const now = new Date();
    const plan = await planOAuthAppUpdate(keyring, current, input, now);
    // Nothing would change: no write, no event.
    if (!plan) return answerResponse(jsonAnswer(200, presentOAuthApp(current, keyring), { ETag: etag }));
    const answer = jsonAnswer(200, presentOAuthApp(plan.next, keyring), { ETag: oauthAppEtag(plan.next) });
    const event: NewAuditEvent = {
      accountId: current.accountId,
      appId: current.id,
      action: 'oauth_app.updated',
      details: {
        fields: changedFields(plan.changes),
        ...(plan.changes.clientSecretKeyId === undefined ? {} : { key_id: plan.changes.clientSecretKeyId }),
      },
    };
    const applied = await commitWithAnswer(c, answer, (alongside) =>
      updateOAuthApp(db, current, plan.changes, audited(alongside, c, event, now)),
    );
    if (applied) return answerResponse(answer);
  }
  throw new ApiError(409, 'The OAuth app is being changed by other requests; retry.');
}

export async function deleteHandler(c: Ctx): Promise<Response> {
  const id = appId(c);
  const { accountId } = c.var.auth;
  const event: NewAuditEvent = { accountId, appId: id, action: 'oauth_app.deleted' };
  const deleted = await deleteOAuthApp(c.var.db, accountId, id, audited(nothingAlongside, c, event, new Date()));
  if (!deleted) throw notFound();
  return c.json({ id, deleted: true });
}
