// Loads the libSQL Worker's parts (src/worker-parts.libsql.ts) on the first
// request; replaced as src/worker.d1.ts is ([alias] in wrangler.libsql.toml).
import type { WorkerParts } from './worker';

export const loadParts = (): Promise<WorkerParts> => import('./worker-parts.libsql');
