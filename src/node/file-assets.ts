// The ASSETS binding for the Node server: files of the project's public/
// folder by path (Workers Static Assets serves the same folder on the Worker).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Bindings } from '../env';

const PUBLIC = new URL('../../public/', import.meta.url);

export function fileAssets(): Bindings['ASSETS'] {
  return {
    async fetch(input: RequestInfo | URL) {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname.replace(/^\/+/, '');
      // Only plain names under public/: no traversal.
      if (!/^[A-Za-z0-9._-]+$/.test(path) || path.startsWith('.')) return new Response(null, { status: 404 });
      try {
        return new Response(await readFile(fileURLToPath(new URL(path, PUBLIC))));
      } catch {
        return new Response(null, { status: 404 });
      }
    },
  } as unknown as Bindings['ASSETS'];
}
