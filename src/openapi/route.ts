// GET /openapi.json: the document `npm run openapi` generated, as committed.
// Only the JSON is bundled, not the generator.
import type { Handler } from 'hono';
import type { AppEnv } from '../env';
import document from './openapi.json';

let text: string | undefined;

export const openApiRoute: Handler<AppEnv> = (c) =>
  c.body((text ??= JSON.stringify(document)), 200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'public, max-age=300',
  });
