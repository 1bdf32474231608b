// The OpenAPI document: valid OpenAPI 3.1 by a real validator, what the
// schemas generate (the committed file is not stale), and complete: every
// route the app serves is in it.
import { Validator } from '@seriousme/openapi-schema-validator';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { StorageEngine } from '../../src/db/engine';
import document from '../../public/openapi.json';
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

  it('says what the API means: a description on every operation, parameter and property; an example on every request and answer', () => {
    const missing: string[] = [];
    const walkSchema = (schema: Record<string, unknown>, at: string) => {
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof property.description !== 'string' && property.$ref === undefined) missing.push(`${at}.${name}: description`);
        walkSchema(property, `${at}.${name}`);
      }
      if (schema.items) walkSchema(schema.items as Record<string, unknown>, `${at}[]`);
    };
    const doc = document as unknown as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: Record<string, Record<string, Record<string, unknown>>>;
    };
    for (const [name, schema] of Object.entries(doc.components.schemas!)) walkSchema(schema, name);
    for (const [name, parameter] of Object.entries(doc.components.parameters!)) if (!parameter.description) missing.push(`parameter ${name}`);
    const media = (where: string, content: unknown) => {
      const json = (content as Record<string, { example?: unknown }> | undefined)?.['application/json'];
      if (json && json.example === undefined) missing.push(`${where}: example`);
    };
    for (const [name, response] of Object.entries(doc.components.responses!)) media(`response ${name}`, response.content);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!op.description) missing.push(`${where}: description`);
        for (const p of (op.parameters ?? []) as Record<string, unknown>[]) if (!p.$ref && !p.description) missing.push(`${where} ${p.name as string}`);
        media(`${where} request`, (op.requestBody as { content?: unknown } | undefined)?.content);
        for (const [status, response] of Object.entries(op.responses as Record<string, Record<string, unknown>>)) {
          if (!response.$ref) media(`${where} ${status}`, response.content);
        }
      }
    }
    expect(missing).toEqual([]);
    // Typed by meaning; relative servers; the error schema not named after the global Error.
    const list = doc.paths['/v1/oauth-apps']!.get!.parameters as { name?: string; schema?: { type?: string } }[];
    expect(list.find((p) => p.name === 'limit')!.schema!.type).toBe('integer');
    expect(list.find((p) => p.name === 'truncate_secrets')!.schema!.type).toBe('boolean');
    expect((document as unknown as { servers: unknown }).servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(Object.keys(doc.components.schemas!)).toContain('ErrorResponse');
    expect(Object.keys(doc.components.schemas!)).not.toContain('Error');
    // PATCH cannot name provider or client_id: they are not in its schema, which is strict.
    const update = doc.components.schemas!.UpdateOAuthAppRequest as { properties: object; additionalProperties: boolean };
    expect(Object.keys(update.properties).sort()).toEqual(['client_secret', 'client_secret_expires_at', 'metadata', 'name', 'provider_settings']);
    expect(update.additionalProperties).toBe(false);
  });
});
