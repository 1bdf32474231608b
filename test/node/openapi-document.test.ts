// The OpenAPI document: valid OpenAPI 3.1 by a real validator, what the
// schemas generate (the committed file is not stale), and complete: every
// route the app serves is in it.
import { Validator } from '@seriousme/openapi-schema-validator';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { StorageEngine } from '../../src/db/engine';
import document from '../../src/openapi/openapi.json';
import { TSX, script } from '../support/node-process';

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // And it can fail: a response without its required description is refused.
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { responses: Record<string, object> }>> };
    broken.paths['/v1/providers']!.get!.responses['200'] = { content: {} };
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('is what the schemas generate (npm run openapi -- --check)', () => {
    const run = spawnSync(TSX, [script('openapi'), '--check'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  }, 30_000);

  it('documents every route the app serves, and nothing it does not', () => {
    const app = createApp({} as StorageEngine);
    const served = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL' && r.path !== '/*' && !r.path.endsWith('/*'))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '')}`),
    );
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    expect([...served].sort()).toEqual([...documented].sort());
  });
});
