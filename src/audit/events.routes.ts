// GET /v1/events: an account's audit trail, newest first, paginated like the
// app list (limit, starting_after, has_more), filterable by app and action.
// An app's events include every reveal that disclosed its secret, also those
// of list pages (one event naming every app it disclosed). keys:manage reads
// its own account's trail: the operator's rotation runs.
import { requireToken } from '../auth/authenticate';
import { methodNotAllowed } from '../http/errors';
import { newRoutes } from '../http/router';
import { pageBody, readPage } from '../http/pagination';
import { validate, validationError } from '../http/validation';
import { APP_ID } from '../oauth-apps/oauth-apps.schemas';
import { presentAuditEvent } from './audit-events';
import { auditEventExists, listAuditEvents } from './audit.repository';
import { listEventsQuery } from './events.schemas';

const EVENT_ID = /^evt_[0-9a-f]{32}$/;

export const eventsRoutes = newRoutes()
  .get('/', requireToken(['oauth_apps:read', 'keys:manage']), validate('query', listEventsQuery), async (c) => {
    const query = c.req.valid('query');
    const db = c.get('db');
    const { accountId } = c.get('auth');
    // The app need not exist any more: a deleted app's events stay readable.
    if (query.app_id !== undefined && !APP_ID.test(query.app_id)) {
      throw validationError({ app_id: ['must be an OAuth app id'] });
    }
    const cursor = {
      pattern: EVENT_ID,
      unknown: 'is not the id of an event in this account',
      exists: (id: string) => auditEventExists(db, accountId, id),
    };
    const filter = { appId: query.app_id, action: query.action };
    const { rows, hasMore } = await readPage(query, cursor, (after, n) => listAuditEvents(db, accountId, filter, after, n));
    return c.json(pageBody(rows.map(presentAuditEvent), hasMore));
  })
  .all('/', methodNotAllowed(['GET']));
