// The benches' bare replay of a recorded create (scripts/lib/bench-support.ts
// hexRenewer): fresh ids each time, but the account's own id kept. Replayed
// into an account that does not exist, the create's guards fail and it
// writes nothing, so the "create's own batch" floor was not the create's work.
import { expect, it } from 'vitest';
import { hexRenewer } from '../../scripts/lib/bench-support';

it('renews every id of 8+ hex digits consistently, and keeps the account’s', () => {
  const account = 'e1c6076f-a313-45ab-9104-854f41316ff9';
  const app = '8c39c7fc-140d-4b8f-bc04-c4a8f5e0e3a8';
  const renew = hexRenewer([account]);
  const values = [account, app, `["${app}"]`, 'evt_0123456789abcdef0123456789abcdef', 'stripe', 42];
  const out = values.map(renew);
  expect(out[0]).toBe(account);
  expect(out[1]).not.toBe(app);
  expect(out[1]).toMatch(/^[0-9a-f]{8}-140d-4b8f-bc04-[0-9a-f]{12}$/);
  // The same id, wherever it appears, gets the same fresh run.
  expect(out[2]).toBe(`["${out[1] as string}"]`);
  expect(out[3]).not.toBe(values[3]);
  expect(out.slice(4)).toEqual(['stripe', 42]);
});
