// Stored times are what Date#toISOString wrote (UTC, to the millisecond): the
// public form is the same text cut to the second, which a page of 100 apps
// (four or five times each) gets without parsing a Date.
const STORED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

/** ISO 8601 UTC to the second, with Z, as the public API shows times. */
export function apiTimestamp(stored: string | Date): string {
  if (typeof stored === 'string' && STORED.test(stored)) return `${stored.slice(0, 19)}Z`;
  return new Date(stored).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
