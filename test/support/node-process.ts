// The Node server and the npm scripts as a user runs them: separate
// processes, in a directory of their own, with a bare environment.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve('.');
export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
export const MAIN = join(ROOT, 'src', 'node', 'main.ts');
export const script = (name: string) => join(ROOT, 'scripts', `${name}.ts`);

/** Only the variables a bare shell has, plus `extra`. */
export const bareEnv = (cwd: string, extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH!,
  HOME: process.env.HOME ?? cwd,
  PORT: '0',
  ...extra,
});

export interface NodeProcess {
  child: ChildProcess;
  output: () => string;
  url: string;
}

/**
 * The server as `npm run start:node` runs it (tsx's loader in node), as this
 * process's own child: the tsx command is a wrapper whose child is the server,
 * so a SIGKILL sent to it killed the wrapper only and left the server running.
 */
const TSX_NODE_ARGS = [
  '--require',
  join(ROOT, 'node_modules', 'tsx', 'dist', 'preflight.cjs'),
  '--import',
  pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
];

/** Starts the server as `npm run start:node` does, in `cwd`, and waits for its banner. */
export function startNode(cwd: string, extra: Record<string, string> = {}, children: ChildProcess[] = []): Promise<NodeProcess> {
  const child = spawn(process.execPath, [...TSX_NODE_ARGS, MAIN], { cwd, env: bareEnv(cwd, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${output}`)), 30_000);
    const poll = setInterval(() => {
      const url = /OAuth apps API on (http:\/\/\S+)/.exec(output)?.[1];
      if (url && output.includes('Then:')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolvePromise({ child, output: () => output, url });
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`exited ${child.exitCode}:\n${output}`));
      }
    }, 100);
  });
}

export function stopNode(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** Runs `npm run <name> -- args` (the script through tsx) to completion. */
export function runScript(cwd: string, name: string, args: string[], extra: Record<string, string> = {}) {
  return spawnSync(TSX, [script(name), ...args], { cwd, env: bareEnv(cwd, extra), encoding: 'utf8' });
}

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a file (a .ts through tsx, a .mjs through node) to its end without
 * blocking this process, so many can run at once; killed after `timeoutMs`.
 */
export function runToEnd(file: string, args: string[], cwd: string, extra: Record<string, string> = {}, timeoutMs = 60_000): Promise<Finished> {
  const [command, first] = file.endsWith('.mjs') ? [process.execPath, file] : [TSX, file];
  return new Promise((done) => {
    const child = spawn(command, [first, ...args], { cwd, env: bareEnv(cwd, extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}
