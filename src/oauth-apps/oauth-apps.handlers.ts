// One exported handler per route: validated input in, presenter out. Each
// write reads top to bottom: its guard, then the row with its idempotency
// answer and audit event, side by side, in one batch.
import type { Context } from 'hono';
import { and } from 'drizzle-orm';
import { healthChangedEvent, requestActor, type NewAuditEvent } from '../audit/audit-events';
import { auditStatements, eventValues } from '../audit/audit.repository';
import { requireGranted } from '../auth/authenticate';
import { loadKeyring } from '../crypto/keyring';
import type { AppEnv } from '../env';
import { ifMatchSatisfied } from '../http/conditional';
import { ApiError } from '../http/errors';
import { pageBody, readPage } from '../http/pagination';
import { validationError } from '../http/validation';
import { providerSettingsProblems, type ProviderSettings } from '../verification/token-endpoint';
import { verifyBeforeSave, verifyRequested } from '../verification/validate-on-save';
import { verdictColumns, verifiedEvent } from '../verification/verification.repository';
import type { ProbeResult } from '../verification/probe';
import type { Keyring } from '../crypto/keyring';
import type { OAuthAppRow } from '../db/schema';
import { healthRules, type HealthRules } from './health';
import { answered, answerResponse, idempotentAnswer, jsonAnswer, keyedAnswer, refuseIfLeaseLost, stillReserved } from '../idempotency/answer';
import { createBatch } from './oauth-apps.create-batch';
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
import { changedFields, newOAuthAppRow, openClientSecret, planOAuthAppUpdate, withShownHealth, withVerdict } from './oauth-apps.service';

type In<Target extends 'json' | 'query', T> = { in: Record<Target, unknown>; out: Record<Target, T> };
type Ctx<I extends object = object> = Context<AppEnv, string, I>;

/** Same answer for a malformed id, another account's app and a missing one. */
export const notFound = () => new ApiError('app_not_found', 'No OAuth app with this id exists in this account.');

export function appId(c: Ctx): string {
  const id = c.req.param('id') ?? '';
  if (!APP_ID.test(id)) throw notFound();
  return id;
}

export const keyringOf = (c: Ctx) => loadKeyring(c.get('config').encryptionKeyring);

/** What health is read against in this request: the keyring, now, and the expiry warning. */
export const rulesOf = (c: Ctx, keyring: Keyring, now = new Date()): HealthRules =>
  healthRules(keyring, c.get('config').secretExpiryWarningDays, now);

/**
 * Secrets are shown only on request (truncate_secrets=false) and only with the
 * secrets scope. A HEAD asks the same question (same scope check, same
 * headers) but carries no body: nothing is decrypted, and no reveal recorded.
 */
function wantsSecrets(c: Ctx, truncateSecrets: string | undefined): boolean {
  if (truncateSecrets !== 'false') return false;
  requireGranted(c.get('auth'), 'oauth_apps:secrets');
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
  const { maxAppsPerAccount } = c.get('config');
  const db = c.get('db');
  const keyring = await keyringOf(c);
  const input = c.req.valid('json');
  refuseBadSettings(input.provider, input.provider_settings);
  const { accountId } = c.get('auth');
  // Asked to verify first: the provider's answer before anything is written (a rejection throws).
  const probed = verifyRequested(c)
    ? await verifyBeforeSave(
        c,
        { accountId, provider: input.provider, providerSettings: input.provider_settings ?? {}, clientId: input.client_id, clientSecret: input.client_secret },
        new Date(),
      )
    : undefined;
  const now = new Date();
  const rules = rulesOf(c, keyring, now);
  const sealed = await newOAuthAppRow(keyring, accountId, input, now, rules);
  const row = probed ? withShownHealth({ ...sealed, ...verdictOf(probed, now) }, rules) : sealed;
  const answer = jsonAnswer(200, presentOAuthApp(row, rules), { ETag: oauthAppEtag(row) });
  const event: NewAuditEvent = {
    accountId: row.accountId,
    appIds: [row.id],
    action: 'oauth_app.created',
    details: { key_id: row.clientSecretKeyId },
  };
  const actor = requestActor(c);
  const batch = createBatch(db, {
    row,
    quota: { maxApps: maxAppsPerAccount },
    created: eventValues(event, actor, now),
    verified: probed ? eventValues(verifiedEvent(row, probed), actor, now) : undefined,
    ...keyedAnswer(c, answer),
  });
  // Twice at most: the conflicting app may be deleted between the batch and the look at why.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await insertOAuthApp(db, batch)) {
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
  const db = c.get('db');
  const { accountId } = c.get('auth');
  const keyring = await keyringOf(c);
  const rules = rulesOf(c, keyring);
  const health = query['health.status'];
  // Rarest entry first; undefined when an entry matches no app (then no page query is needed).
  const metadata =
    query.metadata === undefined
      ? { entries: [], commonDriver: false }
      : await orderMetadataFilter(db, accountId, JSON.parse(query.metadata) as Record<string, unknown>);
  const filter = {
    provider: query.provider,
    health: health === undefined ? undefined : { status: health, rules },
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
  if (!secrets) return c.json(pageBody(rows.map((row) => presentOAuthApp(row, rules)), hasMore));
  // One reveal event for the page, naming every app whose secret it carries.
  const revealed = await revealSecrets(db, requestActor(c), keyring, rows, rules.now, rules);
  return c.json(pageBody(revealed.rows.map((row) => presentOAuthApp(row, rules, revealed.reveals.get(row.id))), hasMore));
}

export async function getHandler(c: Ctx<In<'query', GetOAuthAppQuery>>): Promise<Response> {
  const id = appId(c);
  const secrets = wantsSecrets(c, c.req.valid('query').truncate_secrets);
  const row = await findOAuthApp(c.get('db'), c.get('auth').accountId, id);
  if (!row) throw notFound();
  const keyring = await keyringOf(c);
  const rules = rulesOf(c, keyring);
  if (!secrets) return c.json(presentOAuthApp(row, rules), 200, { ETag: oauthAppEtag(row) });
  const revealed = await revealSecrets(c.get('db'), requestActor(c), keyring, [row], rules.now, rules);
  return c.json(presentOAuthApp(revealed.rows[0]!, rules, revealed.reveals.get(row.id)), 200, { ETag: oauthAppEtag(row) });
}

const MAX_UPDATE_ATTEMPTS = 3;

export async function updateHandler(c: Ctx<In<'json', UpdateOAuthAppInput>>): Promise<Response> {
  const id = appId(c);
  const input = c.req.valid('json');
  const ifMatch = c.req.header('If-Match');
  const db = c.get('db');
  // With verify=true: the provider's answer about the credentials the PATCH
  // leaves, asked once, before any write, and what of the row it depends on.
  let probed: { result: ProbeResult; kept: KeptCredentials } | undefined;
  // Compare-and-swap on the version: a write that lands between our read and
  // our update makes the update miss, and we read again.
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await findOAuthApp(db, c.get('auth').accountId, id);
    if (!current) throw notFound();
    const etag = oauthAppEtag(current);
    if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, etag)) {
      throw new ApiError('precondition_failed', 'The OAuth app has changed since the ETag in If-Match; fetch it again.', {
        headers: { ETag: etag },
      });
    }
    refuseBadSettings(current.provider, input.provider_settings);
    const keyring = await keyringOf(c);
    const kept = keptCredentials(current, input);
    if (verifyRequested(c) && !probed) {
      probed = { result: await verifyPatch(c, keyring, current, input), kept };
    } else if (probed && (probed.kept.generation !== kept.generation || probed.kept.settings !== kept.settings)) {
      // A retry whose row moved under the credentials the verdict is about.
      throw new ApiError('write_conflict', 'The OAuth app changed while its credentials were verified; retry.');
    }
    const now = new Date();
    const rules = rulesOf(c, keyring, now);
    const planned = await planOAuthAppUpdate(keyring, current, input, now, rules);
    const plan = probed ? withVerdict(current, planned?.changes ?? {}, verdictOf(probed.result, now), rules) : planned;
    // Nothing would change: no write, no event.
    if (!plan) return answerResponse(jsonAnswer(200, presentOAuthApp(current, rules), { ETag: etag }));
    const answer = jsonAnswer(200, presentOAuthApp(plan.next, rules), { ETag: oauthAppEtag(plan.next) });
    const fields = changedFields(plan.changes);
    const event: NewAuditEvent = {
      accountId: current.accountId,
      appIds: [current.id],
      action: 'oauth_app.updated',
      details: {
        fields,
        ...(plan.changes.clientSecretKeyId === undefined ? {} : { key_id: plan.changes.clientSecretKeyId }),
      },
    };
    const guard = and(oauthAppAtVersion(current), stillReserved(c))!;
    const actor = requestActor(c);
    const alongside = [
      ...idempotentAnswer(c, answer, guard),
      // A PATCH with verify=true that changes no field records the verdict alone.
      ...(fields.length > 0 ? auditStatements(db, event, actor, now, guard) : []),
      ...(probed ? auditStatements(db, verifiedEvent(current, probed.result), actor, now, guard) : []),
      ...(plan.healthChange ? auditStatements(db, healthChangedEvent(current.accountId, current.id, plan.healthChange), actor, now, guard) : []),
    ];
    if (await updateOAuthApp(db, current, plan.changes, guard, alongside)) {
      answered(c);
      return answerResponse(answer);
    }
    await refuseIfLeaseLost(c);
  }
  throw new ApiError('write_conflict', 'The OAuth app is being changed by other requests; retry.');
}

/** What of the stored row a PATCH's verdict is about: the secret and settings it keeps (undefined: it sends its own). */
type KeptCredentials = { generation: number | undefined; settings: string | undefined };
const keptCredentials = (current: OAuthAppRow, input: UpdateOAuthAppInput): KeptCredentials => ({
  generation: input.client_secret === undefined ? current.clientSecretGeneration : undefined,
  settings: input.provider_settings === undefined ? current.providerSettings : undefined,
});

/** Asks the provider about the credentials a PATCH leaves: its own secret and settings, else the stored ones. */
async function verifyPatch(c: Ctx, keyring: Keyring, current: OAuthAppRow, input: UpdateOAuthAppInput): Promise<ProbeResult> {
  const stored = input.client_secret === undefined ? await openClientSecret(keyring, current) : undefined;
  const clientSecret = input.client_secret ?? (stored && 'plaintext' in stored ? stored.plaintext : undefined);
  const providerSettings = input.provider_settings === undefined ? (JSON.parse(current.providerSettings) as ProviderSettings) : (input.provider_settings ?? {});
  const { accountId, provider, clientId } = current;
  return verifyBeforeSave(c, { accountId, provider, providerSettings, clientId, clientSecret }, new Date());
}

/** A verdict of a save: its columns, attempted now. */
const verdictOf = (result: ProbeResult, now: Date) => ({ ...verdictColumns(result, now.toISOString()), verificationAttemptedAt: now.toISOString() });

export async function deleteHandler(c: Ctx): Promise<Response> {
  const id = appId(c);
  const { accountId } = c.get('auth');
  const event: NewAuditEvent = { accountId, appIds: [id], action: 'oauth_app.deleted' };
  const guard = oauthAppExists(accountId, id);
  const deleted = await deleteOAuthApp(c.get('db'), accountId, id, guard, auditStatements(c.get('db'), event, requestActor(c), new Date(), guard));
  if (!deleted) throw notFound();
  return c.json({ id, deleted: true });
}
