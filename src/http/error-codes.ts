// Every cause an error answer can have, as a stable machine-readable `code`,
// with the status it answers. One code per distinct cause: clients branch on
// the code, never on the summary's English. Add new causes here (the OpenAPI
// document lists them per status from this table).
export const ERROR_STATUS = {
  body_not_json: 400,
  body_not_utf8: 400,
  bookmark_malformed: 400,
  idempotency_key_malformed: 400,
  authentication_required: 401,
  authorization_malformed: 401,
  token_invalid: 401,
  token_expired: 401,
  scope_missing: 403,
  quota_reached: 403,
  route_not_found: 404,
  app_not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  app_duplicate: 409,
  idempotency_key_in_flight: 409,
  idempotency_lease_lost: 409,
  write_conflict: 409,
  precondition_failed: 412,
  body_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  idempotency_key_reused: 422,
  verification_unsupported: 422,
  credentials_rejected: 422,
  rate_limited: 429,
  unauthenticated_rate_limited: 429,
  verification_rate_limited: 429,
  verification_budget_spent: 429,
  misconfigured: 500,
  internal_error: 500,
  storage_unavailable: 503,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
