// npm run contract:judges: the served document judged from outside.
//   1. Spectral (spectral:oas) and Redocly (recommended), unmodified rulesets:
//      zero errors and zero warnings. The one exception, with its reason, is
//      .redocly.lint-ignore.yaml: the probes have no 4XX answer to document.
//   2. A consumer file type-checks against two generated clients
//      (openapi-typescript's, in src/client, and @hey-api/openapi-ts's, made
//      here into .contract/), with limit: 20 and truncate_secrets: false, and
//      fails to with name: 42 or a provider in a PATCH (@ts-expect-error).
// Offline: no telemetry, no update checks.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandLine } from './lib/cli';

commandLine({
  usage: "Usage: npm run contract:judges\nThe served document judged from outside: Spectral (spectral:oas) and Redocly (recommended) find nothing\n(.redocly.lint-ignore.yaml says what Redocly skips, and why); @hey-api/openapi-ts generates a client; a consumer\ntype-checks against both generated clients. Exit 1 when any judge finds something.",
});

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' };
let failed = false;

function step(name: string, command: string, args: string[], ok: (out: string) => boolean = () => true): void {
  const run = spawnSync(command, args, { cwd: root, env, encoding: 'utf8' });
  const out = `${run.stdout}${run.stderr}`;
  const passed = run.status === 0 && ok(out);
  console.log(`${passed ? 'ok  ' : 'FAIL'} ${name}`);
  if (!passed) {
    console.log(out);
    failed = true;
  }
}

step('spectral lint (spectral:oas): no errors, no warnings', bin('spectral'), ['lint', '--fail-severity', 'hint', 'public/openapi.json'], (out) =>
  /No results with a severity of 'hint' or higher found!/.test(out),
);
step('redocly lint (recommended): no errors, no warnings', bin('redocly'), ['lint', '--max-problems', '50', 'public/openapi.json'], (out) =>
  /Your API description is valid/.test(out) && !/You have \d+ warning/.test(out),
);
rmSync(new URL('../.contract', import.meta.url), { recursive: true, force: true });
step('@hey-api/openapi-ts generates a client', bin('openapi-ts'), ['-i', 'public/openapi.json', '-o', '.contract/hey-api']);
step('the consumer type-checks against both clients (and the wrong calls do not)', bin('tsc'), ['-p', 'test/consumers/tsconfig.json']);
process.exit(failed ? 1 : 0);
