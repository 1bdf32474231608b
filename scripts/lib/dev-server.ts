// `npm run dev` as the scripts that check a new user's path run it (smoke:dev,
// docs:browser, client:check): started in its own process group, ready once it
// prints its dev token, stopped with the whole group.
import { spawn } from 'node:child_process';
import { DEV_PORT } from './dev-settings';

export const DEV_BASE = `http://localhost:${DEV_PORT}`;
const TOKEN = /Bearer (oat_[A-Za-z0-9_-]{43})/;
const READY_WITHIN_MS = 120_000;

export interface DevServer {
  /** The dev token it printed. */
  token: string;
  /** Everything it has printed so far. */
  output(): string;
  stop(): void;
}

/** Starts `npm run dev` (in `cwd`) and waits for its token; throws, with its output, if it exits or takes too long. */
export async function startDevServer(cwd?: string): Promise<DevServer> {
  const dev = spawn('npm', ['run', 'dev'], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () => {
    if (dev.pid && dev.exitCode === null) process.kill(-dev.pid, 'SIGTERM');
  };
  const started = Date.now();
  while (!TOKEN.test(output)) {
    const problem =
      dev.exitCode !== null ? 'npm run dev exited early' : Date.now() - started > READY_WITHIN_MS ? 'npm run dev printed no token within 120 s' : undefined;
    if (problem) {
      stop();
      throw new Error(`${problem}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { token: TOKEN.exec(output)![1]!, output: () => output, stop };
}
