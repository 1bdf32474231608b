// After each test file: no secret or token the tests sent appears in any
// console output of the run (the app's logs included: it runs in this process).
import { afterAll, expect } from 'vitest';
import { capturedLogs, sentSecrets } from './log-capture';

export function checkNoSecretLoggedAfterAll(): void {
  afterAll(() => {
    const logs = capturedLogs().join('\n');
    for (const secret of sentSecrets()) {
      // Not toContain: the failure message would print the secret itself.
      expect(logs.includes(secret), 'a secret or token reached the log').toBe(false);
    }
  });
}
