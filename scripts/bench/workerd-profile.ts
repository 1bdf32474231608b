// A CPU profile of the Worker inside workerd, while one scenario is loaded:
// wrangler dev's inspector (the DevTools protocol over a WebSocket), the
// profiler on, autocannon for a few seconds, the profiler off. Each sample's
// frame is mapped through the dev bundle's source map to its source file,
// and the self time is summed by package (hono, zod, drizzle, our code) and
// by function. Used by `npm run bench:profile`; timing, not in CI.
import { readFileSync } from 'node:fs';
import { SourceMapConsumer, type RawSourceMap } from 'source-map-js';
import WebSocket from 'ws';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Connects to the inspector of `wrangler dev --inspector-port <port>`: the Worker's own target. */
export async function connectInspector(port: number): Promise<Inspector> {
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string; title?: string }[];
      const target = targets.find((t) => !String(t.title ?? '').startsWith('wrangler')) ?? targets[0];
      if (target) return await Inspector.open(target.webSocketDebuggerUrl);
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no inspector on port ${port}`);
}

export class Inspector {
  private next = 1;
  private waiting = new Map<number, (result: unknown) => void>();
  private constructor(private socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
      if (message.id === undefined) return;
      const settle = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      settle?.(message.error ? Promise.reject(new Error(JSON.stringify(message.error))) : message.result);
    });
  }

  static open(url: string): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new Inspector(socket)));
      socket.once('error', reject);
    });
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, (result) => resolve(result as T));
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

export async function profileWhile(inspector: Inspector, work: () => Promise<unknown>): Promise<Profile> {
  await inspector.send('Profiler.enable');
  await inspector.send('Profiler.setSamplingInterval', { interval: 250 });
  await inspector.send('Profiler.start');
  await work();
  const { profile } = await inspector.send<{ profile: Profile }>('Profiler.stop');
  return profile;
}

/** Where a source file comes from. */
function packageOf(source: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  // drizzle's own source maps point at its TypeScript sources, which resolve to node_modules/src/….
  if (m) return m[1]!.startsWith('@hono/') ? 'hono' : m[1] === 'drizzle-orm' || m[1] === 'src' ? 'drizzle' : m[1]!;
  if (source.includes('/src/')) return 'our code';
  if (source.includes('scripts/bench/')) return 'the bench Worker';
  return source === '' ? 'workerd (native: crypto, bindings, I/O)' : 'workerd/wrangler glue';
}

export interface Split {
  totalMs: number;
  byPackage: [string, number][];
  byFunction: [string, number][];
}

/** Self time by package and by function (source file : function), idle left out. */
export function splitProfile(profile: Profile, bundlePath: string): Split {
  const map = new SourceMapConsumer(JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')) as RawSourceMap);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const place = new Map<number, { pkg: string; fn: string }>();
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)!;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') return;
    let where = place.get(id);
    if (!where) {
      if (frame.functionName === '(garbage collector)') where = { pkg: 'GC', fn: 'GC' };
      else if (!frame.url) where = { pkg: packageOf(''), fn: frame.functionName || '(native)' };
      else {
        const original = map.originalPositionFor({ line: frame.lineNumber + 1, column: frame.columnNumber });
        const source = original.source ?? '';
        where = { pkg: packageOf(source), fn: `${/node_modules\//.test(source) ? source.replace(/.*node_modules\//, '') : source.replace(/.*\/src\//, 'src/')}:${frame.functionName || '(anonymous)'}` };
      }
      place.set(id, where);
    }
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    byPackage.set(where.pkg, (byPackage.get(where.pkg) ?? 0) + ms);
    byFunction.set(where.fn, (byFunction.get(where.fn) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, byPackage: sorted(byPackage), byFunction: sorted(byFunction) };
}
