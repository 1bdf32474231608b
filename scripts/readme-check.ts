// npm run readme:check: the README's commands, run as a newcomer runs them, in
// order, on a fresh clone of this checkout: every ```sh block of "Quick start",
// "Operating it" and "API reference", as one bash script (set -euo pipefail:
// the first command that fails fails the check). Four things are done for the
// reader: `npm install` is skipped (the clone shares this checkout's
// node_modules, which CI installed with npm ci from the same lockfile),
// `npm run dev` is started in the background until its banner is out (the
// reader starts it in a terminal of its own), the banner's create curl line is
// run once as printed (the reader pastes it), and a comment
// "# restart npm run dev" restarts the server. CI runs this; the blocks of "Deploying"
// need a Cloudflare account and are not run.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, runScript } from './lib/cli';

const USAGE = `Usage: npm run readme:check [-- --keep]
Runs every sh block of the README's Quick start, Operating it and API reference sections, in order,
on a fresh clone of this checkout (port 8787 must be free). Exit 1 at the first command that fails.
  --keep   leave the clone (its path is printed) for a look at what happened`;
const { values } = commandLine({ usage: USAGE, options: { keep: { type: 'boolean', default: false } } });

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECKED_SECTIONS = ['Quick start', 'Operating it', 'API reference'];

/** The sh blocks of a section ("## <title>" up to the next "## "), in order. */
function shBlocks(readme: string, title: string): string[] {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

const PRELUDE = `set -euo pipefail
DEV_ARGS=()
stop_dev() {
  if [[ -n "\${DEV_PID:-}" ]]; then kill -TERM -- "-$DEV_PID" 2>/dev/null || true; wait "$DEV_PID" 2>/dev/null || true; DEV_PID=; fi
}
start_dev() {
  stop_dev
  DEV_ARGS=("$@")
  : > dev.log
  set -m; npm run dev -- "\${DEV_ARGS[@]}" > dev.log 2>&1 & DEV_PID=$!; set +m
  for _ in $(seq 1 240); do
    if grep -q '^List them:' dev.log; then
      echo "  (npm run dev is serving)"
      if [[ -z "\${PASTED:-}" ]]; then
        # The quick start's "paste the first curl line": the create the banner printed, as printed.
        PASTED=$(grep -A1 '^Create an OAuth app:' dev.log | tail -1)
        echo "$ (the banner's create curl line)"
        eval "$PASTED --fail-with-body --silent"; echo
      fi
      return 0
    fi
    if ! kill -0 "$DEV_PID" 2>/dev/null; then cat dev.log; echo "npm run dev exited"; return 1; fi
    sleep 0.5
  done
  cat dev.log; echo "npm run dev printed no banner within 120 s"; return 1
}
trap stop_dev EXIT
`;

/** One README line as the script runs it. */
function transform(line: string): string {
  const trimmed = line.trim();
  if (trimmed === 'npm install') return `echo '$ npm install   (skipped: the clone shares the node_modules of this checkout)'`;
  const dev = /^npm run dev(?:\s+--\s+(.*))?$/.exec(trimmed);
  if (dev) return `echo '$ npm run dev ${dev[1] ?? ''}'; start_dev ${dev[1] ?? ''}`;
  if (/^#\s*restart npm run dev/.test(trimmed)) return `echo '$ (restart npm run dev)'; start_dev "\${DEV_ARGS[@]}"`;
  if (trimmed === '' || trimmed.startsWith('#')) return line;
  return `printf '$ %s\\n' ${JSON.stringify(trimmed).replaceAll('$', '\\$').replaceAll('`', '\\`')}\n${line}\necho`;
}

/** API tokens the commands print (token:create, the dev banner), as CI's log must never hold one. */
const TOKEN = /oat_[A-Za-z0-9_-]{43}/g;

/** Runs the script, its output passed on line by line with every token masked; its exit status. */
function runRedacted(script: string, cwd: string): Promise<number | null> {
  const child = spawn('bash', [script], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
  for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    createInterface({ input: from }).on('line', (line) => to.write(`${line.replace(TOKEN, 'oat_…')}\n`));
  }
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

await runScript(USAGE, async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const lines = CHECKED_SECTIONS.flatMap((title) => shBlocks(readme, title).flatMap((block) => block.split('\n')));
  const clone = mkdtempSync(join(tmpdir(), 'oauth-apps-readme-'));
  try {
    const cloned = spawnSync('git', ['clone', '--quiet', ROOT, clone], { encoding: 'utf8' });
    if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const script = join(clone, 'readme-commands.sh');
    writeFileSync(script, `${PRELUDE}\n${lines.map(transform).join('\n')}\n`);
    console.log(`readme:check: ${lines.filter((l) => l.trim() && !l.trim().startsWith('#')).length} commands from ${CHECKED_SECTIONS.join(', ')}, in ${clone}`);
    const status = await runRedacted(script, clone);
    if (status !== 0) throw new Error(`a README command failed (exit ${status}): the last "$ " line above`);
    console.log('readme:check ok: every command ran as written');
  } finally {
    if (values.keep) console.log(`kept ${clone}`);
    else rmSync(clone, { recursive: true, force: true });
  }
});
