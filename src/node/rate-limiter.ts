// The Workers rate-limiting binding's contract for the Node server: a fixed
// window per key, in this process's memory (one server process per database).
// Unlike the binding it tells what it knows: its policy, the requests left
// and when the window resets (src/http/rate-limit.ts sends them as headers).
import type { DescribedRateLimit, LimitOutcome } from '../http/rate-limit';

const MAX_KEYS = 100_000;

export function memoryRateLimiter(limit: number, periodSeconds: number): DescribedRateLimit {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return {
    policy: { limit, periodSeconds },
    async limit({ key }): Promise<LimitOutcome> {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || now - window.startedAt >= periodSeconds * 1000) {
        // Bounded: forget everything rather than grow without end.
        if (windows.size >= MAX_KEYS) windows.clear();
        window = { startedAt: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      return {
        success: window.count <= limit,
        remaining: limit - Math.min(window.count, limit),
        resetSeconds: (window.startedAt + periodSeconds * 1000 - now) / 1000,
      };
    },
  };
}
