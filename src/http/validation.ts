// Turns zod issues into the API's 422: {"validation_errors": {"<field>": ["<reason>"]}}.
import { toWellFormed } from '../util/json-values';
import { ApiError, type ValidationErrors } from './errors';

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

/** The hook given to zValidator: a failed parse becomes a 422 that names the fields. */
export function validationHook(
  result: { success: true } | { success: false; error: { issues: readonly Issue[] } }): void {
  if (result.success) return;
  throw validationError(toValidationErrors(result.error.issues));
}

/** The API's 422, for a validation a handler makes itself. */
export function validationError(validationErrors: ValidationErrors): ApiError {
  return new ApiError('validation_failed', 'The request failed validation; see validation_errors.', { validationErrors });
}
