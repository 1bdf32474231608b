/** ISO 8601 UTC to the second, with Z, as the public API shows times. */
export function apiTimestamp(stored: string | Date): string {
  return new Date(stored).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
