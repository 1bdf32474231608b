// What makes a JSON value unsafe to keep: something that would not come back
// as it was sent. JSON.parse turns a number too large for a double into
// Infinity (stored as null) and rounds integers past 2^53; a lone UTF-16
// surrogate (a "\ud800" escape) is replaced by U+FFFD on its way to storage,
// differently by each engine. Every such value is refused (422) instead.

/** An unpaired surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const WELL_FORMED_REASON = 'must not contain unpaired UTF-16 surrogates (text that is not valid Unicode)';
export const NOT_FINITE_REASON = 'must not contain numbers too large to represent (they overflow to infinity)';
export const UNSAFE_INTEGER_REASON = `must not contain numbers beyond ±${Number.MAX_SAFE_INTEGER} (they would be rounded)`;

export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** The text with each lone surrogate replaced by U+FFFD (for echoing what a client sent). */
export function toWellFormed(text: string): string {
  return text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/**
 * Why `value` (parsed JSON) would not round-trip, or undefined if it would.
 * Looks at every number, string and key, no deeper than `maxDepth`
 * (deeper values are refused by the depth rule before this runs).
 */
export function unfaithfulReason(value: unknown, maxDepth = 64): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return NOT_FINITE_REASON;
    // Past 2^53 every double is an integer, and not every integer is a double.
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return UNSAFE_INTEGER_REASON;
    return undefined;
  }
  if (typeof value === 'string') return isWellFormed(value) ? undefined : WELL_FORMED_REASON;
  if (value === null || typeof value !== 'object' || maxDepth < 0) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const reason = unfaithfulReason(item, maxDepth - 1);
      if (reason) return reason;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!isWellFormed(key)) return WELL_FORMED_REASON;
    const reason = unfaithfulReason(item, maxDepth - 1);
    if (reason) return reason;
  }
  return undefined;
}
