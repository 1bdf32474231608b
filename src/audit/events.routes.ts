// GET /v1/events: an account's audit trail, newest first, paginated like the
// app list (limit, starting_after, has_more), filterable by app and action.
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { requireToken } from '../auth/authenticate';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/errors';
import { validationError, validationHook } from '../http/validation';
import { APP_ID, LIMITS } from '../oauth-apps/oauth-apps.schemas';
import { presentAuditEvent } from './audit-events';
import { auditEventExists, listAuditEvents } from './audit.repository';
import { listEventsQuery } from './events.schemas';

const EVENT_ID = /^evt_[0-9a-f]{32}$/;

export const eventsRoutes = new Hono<AppEnv>()
  .get('/', requireToken('oauth_apps:read'), zValidator('query', listEventsQuery, validationHook), async (c) => {
    const query = c.req.valid('query');
    const { db } = c.var;
    const { accountId } = c.var.auth;
    const limit = query.limit === undefined ? LIMITS.pageSize : Number(query.limit);
    // The app need not exist any more: a deleted app's events stay readable.
    if (query.app_id !== undefined && !APP_ID.test(query.app_id)) {
      throw validationError({ app_id: ['must be an OAuth app id'] });
    }
    const after = query.starting_after;
    const unknownCursor = () => validationError({ starting_after: ['is not the id of an event in this account'] });
    if (after !== undefined && !EVENT_ID.test(after)) throw unknownCursor();
    const rows = await listAuditEvents(db, accountId, { appId: query.app_id, action: query.action }, after, limit + 1);
    if (rows.length === 0 && after !== undefined && !(await auditEventExists(db, accountId, after))) throw unknownCursor();
    return c.json({ data: rows.slice(0, limit).map(presentAuditEvent), has_more: rows.length > limit });
  })
  .all('/', methodNotAllowed(['GET']));
