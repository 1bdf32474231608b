// Runs the project's pinned wrangler, offline-friendly: no metrics, no prompts.
import { spawn, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';

// Found when first run, not on import: the production build of the operator
// commands (npm run build) has no devDependencies, and its --libsql paths never call wrangler.
const wranglerBin = () => createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');

export const wranglerEnv: NodeJS.ProcessEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  // wrangler dev would fetch a Request.cf sample from Cloudflare; the placeholder does.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  // `d1 migrations apply` asks for confirmation on a terminal unless CI is set.
  CI: 'true',
};

export interface RunResult {
  code: number;
  output: string;
}

/** Runs wrangler to completion, capturing stdout and stderr together. */
export function wrangler(args: string[], options: { echo?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      env: wranglerEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.echo) process.stderr.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Like wrangler() but throws with the output when it fails. */
export async function wranglerOrThrow(args: string[]): Promise<string> {
  const { code, output } = await wrangler(args);
  if (code !== 0) throw new Error(`wrangler ${args.join(' ')} failed (exit ${code}):\n${output}`);
  return output;
}

/** Starts a long-running wrangler (e.g. dev) attached to this terminal. */
export function spawnWrangler(args: string[], stdio: StdioOptions = 'inherit') {
  return spawn(process.execPath, [wranglerBin(), ...args], { env: { ...wranglerEnv, CI: process.env.CI ?? '' }, stdio });
}
