// The query of GET /v1/events, in the style of the app list's.
import { enum as zEnum, optional, string, strictObject, type output } from 'zod/mini';
import { pageLimit, queryValue } from '../oauth-apps/oauth-apps.schemas';
import { AUDIT_ACTIONS } from './audit-events';

export const listEventsQuery = strictObject(
  {
    limit: pageLimit,
    starting_after: optional(string({ error: queryValue('must be an event id') })),
    app_id: optional(string({ error: queryValue('must be an OAuth app id') })),
    action: optional(zEnum(AUDIT_ACTIONS, { error: queryValue(`must be one of: ${AUDIT_ACTIONS.join(', ')}`) })),
  },
  { error: 'must be a query string' },
);

export type ListEventsQuery = output<typeof listEventsQuery>;
