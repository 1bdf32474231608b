// Validates a request's JSON body or query with a zod schema, and turns zod
// issues into the API's 422: {"validation_errors": {"<field>": ["<reason>"]}}.
import type { Context, MiddlewareHandler } from 'hono';
import { safeParseAsync } from 'zod/mini';
import type { $ZodType, output } from 'zod/v4/core';
import type { AppEnv } from '../env';
import { toWellFormed } from '../util/json-values';
import { ApiError, type ValidationErrors } from './errors';

type Target = 'json' | 'query';

/**
 * Validates the JSON body (after jsonBody(), which parsed it once) or the
 * query string; a failure is the API's 422, and the parsed value is what
 * c.req.valid(target) returns. What @hono/zod-validator did for the two
 * targets we use, without its form, cookie and header readers in the bundle,
 * and without parsing the body a second time.
 */
export function validate<T extends Target, S extends $ZodType>(
  target: T,
  schema: S,
): MiddlewareHandler<AppEnv, string, { in: Record<T, unknown>; out: Record<T, output<S>> }> {
  return async (c, next) => {
    const result = await safeParseAsync(schema, target === 'json' ? c.get('body') : queryValues(c));
    if (!result.success) throw validationError(toValidationErrors(result.error.issues));
    c.req.addValidatedData(target, result.data as object);
    await next();
  };
}

/** Each query parameter once is a string; repeated, the array of its values. */
function queryValues(c: Context<AppEnv>): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, all] of Object.entries(c.req.queries())) values[key] = all.length === 1 ? all[0]! : all;
  return values;
}

interface Issue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

export function toValidationErrors(issues: readonly Issue[]): ValidationErrors {
  // No prototype: a field named "__proto__" (echoed from an unknown key) is a plain key here.
  const errors: ValidationErrors = Object.create(null) as ValidationErrors;
  const add = (field: string, reason: string) => {
    const reasons = (errors[field] ??= []);
    if (!reasons.includes(reason)) reasons.push(reason);
  };
  for (const issue of issues) {
    const prefix = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) add(fieldName(prefix, key), 'is not a recognised field');
    } else {
      add(prefix || 'body', issue.message);
    }
  }
  return errors;
}

// Unknown keys are echoed back, so a long one is cut short, and one that is
// not valid Unicode is made so (an answer never carries a lone surrogate).
const MAX_FIELD_NAME = 64;
function fieldName(prefix: string, key: string): string {
  const name = toWellFormed(key.length > MAX_FIELD_NAME ? `${key.slice(0, MAX_FIELD_NAME)}…` : key);
  return prefix ? `${prefix}.${name}` : name;
}

/** The API's 422, for a validation a handler makes itself. */
export function validationError(validationErrors: ValidationErrors): ApiError {
  return new ApiError('validation_failed', 'The request failed validation; see validation_errors.', { validationErrors });
}
