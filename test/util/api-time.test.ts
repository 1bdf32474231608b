// The public time format: a stored time is cut to the second without parsing
// it, and must read exactly as the Date round trip did.
import { describe, expect, it } from 'vitest';
import { apiTimestamp } from '../../src/util/api-time';

const slow = (stored: string | Date) => new Date(stored).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('apiTimestamp', () => {
  it('reads every stored time as the Date round trip does', () => {
    const times = [0, 1, 999, 1000, Date.UTC(2000, 0, 1), Date.UTC(2026, 11, 1, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(Math.random() * Date.UTC(9999, 0, 1)));
    for (const ms of times) {
      const stored = new Date(ms).toISOString();
      expect(apiTimestamp(stored), stored).toBe(slow(stored));
      expect(apiTimestamp(new Date(ms))).toBe(slow(stored));
    }
  });

  it('still normalizes what is not in the stored form (another zone, no milliseconds, an extended year)', () => {
    for (const stored of ['2026-12-01T10:00:00+02:00', '2026-12-01T08:00:00Z', '+012026-01-01T00:00:00.000Z', '2026-12-01 08:00:00Z']) {
      expect(apiTimestamp(stored), stored).toBe(slow(stored));
    }
  });
});
