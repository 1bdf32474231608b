// npm run docs:browser — the API reference checked in a real browser (CI):
// `npm run dev`, then Debian's chromium (driven by playwright-core) opens
// /docs and checks that every operation of the document is on the page by
// its summary, that the page asked nothing of another origin (no request,
// and no attempt its CSP blocked), and that it came with nosniff; a
// screenshot goes to test-results/docs.png.
// CHROMIUM names the browser binary (default: `chromium` on the PATH).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { DEV_BASE as BASE, startDevServer } from './lib/dev-server';
import { commandLine, runScript } from './lib/cli';

const USAGE = "Usage: npm run docs:browser\n/docs from npm run dev in chromium (Debian's, or $CHROMIUM): every operation by its summary, nothing from another\norigin, nosniff; a screenshot in test-results/docs.png. Exit 1 on the first check that fails.";
commandLine({ usage: USAGE });

const SCREENSHOT = fileURLToPath(new URL('../test-results/docs.png', import.meta.url));

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`docs:browser: ${message}`);
}

/** The summary of every operation the document has, by its tag (the page's sidebar groups them so). */
function summariesByTag(): Map<string, string[]> {
  const document = JSON.parse(readFileSync(new URL('../public/openapi.json', import.meta.url), 'utf8')) as {
    paths: Record<string, Record<string, { summary: string; tags: string[] }>>;
  };
  const byTag = new Map<string, string[]>();
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item)) byTag.set(op.tags[0]!, [...(byTag.get(op.tags[0]!) ?? []), op.summary]);
  }
  return byTag;
}

function browserPath(): string {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('docs:browser: no chromium on the PATH (apt-get install -y chromium), or set CHROMIUM');
  }
}

async function main(): Promise<void> {
  const executablePath = browserPath();
  const dev = await startDevServer();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    // A load the page's CSP blocked never becomes a request: its console report counts as one.
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) blocked.push(message.text());
    });
    const response = await page.goto(`${BASE}/docs`, { waitUntil: 'networkidle' });
    check(response?.status() === 200, `/docs answered ${response?.status()}`);
    check(response.headers()['x-content-type-options'] === 'nosniff', '/docs came without X-Content-Type-Options: nosniff');

    // Each tag of the sidebar opened in turn: its operations are listed by summary.
    let found = 0;
    for (const [tag, summaries] of summariesByTag()) {
      await page.locator(`[data-text="${tag}"]`).first().click();
      for (const summary of summaries) {
        await page.getByText(summary, { exact: true }).first().waitFor({ state: 'visible', timeout: 15_000 });
        found++;
      }
      if (found === summaries.length) {
        mkdirSync(new URL('../test-results/', import.meta.url), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: false });
      }
    }
    const wanted = [...summariesByTag().values()].flat();
    check(found === wanted.length, `found ${found} of ${wanted.length} operations`);
    const foreign = requested.filter((url) => !url.startsWith(`${BASE}/`) && !/^(data|blob|about):/.test(url));
    check(foreign.length === 0, `the page requested other origins: ${foreign.join(', ')}`);
    check(blocked.length === 0, `the page tried what its CSP forbids:\n${blocked.join('\n')}`);
    console.log(
      `docs:browser ok: ${BASE}/docs in ${executablePath}: all ${wanted.length} operations found by summary, ` +
        `${requested.length} requests all to ${BASE}, nosniff; screenshot ${SCREENSHOT}`,
    );
  } finally {
    await browser.close();
    dev.stop();
  }
}

await runScript(USAGE, main);
