// wrangler.toml says each rate limit twice (the binding cannot report its own
// limit, so a var describes it for the RateLimit-Policy header): the two must
// agree, in the default build and in --env libsql.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');

it('RATE_LIMIT_PER_MINUTE and UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE equal their bindings’ limits, in both builds', () => {
  const [main, libsql] = toml.split('[env.libsql]') as [string, string];
  const bindingLimit = (section: string, name: string) => {
    const block = new RegExp(`name = "${name}"[\\s\\S]*?simple = \\{ limit = (\\d+), period = 60 \\}`).exec(section);
    return Number(block?.[1]);
  };
  const variable = (section: string, name: string) => Number(new RegExp(`${name} = "(\\d+)"`).exec(section)?.[1]);
  for (const section of [main, libsql]) {
    for (const [binding, name] of [
      ['RATE_LIMITER', 'RATE_LIMIT_PER_MINUTE'],
      ['UNAUTHENTICATED_RATE_LIMITER', 'UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE'],
    ] as const) {
      const limit = bindingLimit(section, binding);
      expect(limit, binding).toBeGreaterThan(0);
      expect(variable(section, name), name).toBe(limit);
    }
  }
});
