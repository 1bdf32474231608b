// Loads the D1 Worker's parts (src/worker-parts.d1.ts) on the first request.
// The deployed build replaces this module ([alias] in wrangler.toml) with
// .build/worker.d1.js, whose loadParts holds the parts' whole code in one
// function (scripts/build-worker-parts.ts).
import type { WorkerParts } from './worker';

export const loadParts = (): Promise<WorkerParts> => import('./worker-parts.d1');
