// The ASSETS binding for the Node server: files of the project's public/
// folder by path (Workers Static Assets serves the same folder on the Worker).
// Each file is read once and kept: public/ is what the build wrote, and
// /docs (2.5 MB) and /openapi.json answer without a token, so a request must
// not cost a disk read and a fresh buffer of the whole file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bindings } from '../env';
import { projectPath } from './project-files';

const PUBLIC = projectPath('public');

export function fileAssets(): Bindings['ASSETS'] {
  // At most one entry per file of public/ (names are checked before a read).
  const files = new Map<string, Promise<Blob>>();
  return {
    async fetch(input: RequestInfo | URL) {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname.replace(/^\/+/, '');
      // Only plain names under public/: no traversal.
      if (!/^[A-Za-z0-9._-]+$/.test(path) || path.startsWith('.')) return new Response(null, { status: 404 });
      let file = files.get(path);
      if (!file) {
        file = readFile(join(PUBLIC, path)).then((bytes) => new Blob([bytes]));
        files.set(path, file);
        // A file that is not there is not remembered: it may be written later.
        file.catch(() => files.delete(path));
      }
      try {
        return new Response(await file);
      } catch {
        return new Response(null, { status: 404 });
      }
    },
  } as unknown as Bindings['ASSETS'];
}
