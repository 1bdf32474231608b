// The contract test: every response the HTTP suite receives is checked
// against the OpenAPI document (public/openapi.json). The status must be
// documented for the operation, and a JSON body must match its schema; a
// response to a path or method the document does not have must be the error
// shape. A violation throws, failing the test that received it.
// @cfworker/json-schema: it validates without eval, so it also runs in workerd.
import { Validator, type Schema } from '@cfworker/json-schema';
import document from '../../public/openapi.json';

type Json = Record<string, unknown>;
const doc = document as unknown as Json;
const components = doc.components as { schemas: Record<string, Schema>; responses: Record<string, Json> };

/** A schema with the document's component schemas beside it as $defs. */
function standalone(schema: unknown): Validator {
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/')) as Json;
  const defs = JSON.parse(JSON.stringify(components.schemas).replaceAll('#/components/schemas/', '#/$defs/')) as Json;
  return new Validator({ ...rewritten, $defs: defs } as Schema, '2020-12', false);
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Map<string, Validator | undefined>;
}

const operations: Operation[] = [];
for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
  const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
  for (const [method, op] of Object.entries(item)) {
    const responses = new Map<string, Validator | undefined>();
    for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
      const resolved = typeof response.$ref === 'string' ? components.responses[response.$ref.split('/').at(-1)!]! : response;
      const schema = (resolved.content as Record<string, { schema: unknown }> | undefined)?.['application/json']?.schema;
      responses.set(status, schema === undefined ? undefined : standalone(schema));
    }
    operations.push({ method: method.toUpperCase(), template, pattern, responses });
  }
}
const errorShape = standalone({ $ref: '#/components/schemas/ErrorResponse' });

let checked = 0;
/** How many responses were checked (for the suite's report). */
export const contractChecks = () => checked;

/** Throws if the response is not what the document says this request can get. */
export async function checkContract(request: Request, response: Response): Promise<void> {
  const path = new URL(request.url).pathname;
  const forPath = operations.filter((op) => op.pattern.test(path));
  // A HEAD is its GET without a body (HTTP semantics; Hono answers it so): the same statuses.
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const op = forPath.find((o) => o.method === method);
  const where = `${request.method} ${path} → ${response.status}`;
  let validator: Validator | undefined;
  if (!op) {
    // Not a documented operation: only the error shape may come back (404, 405).
    if (response.status < 400) throw new Error(`contract: ${where}: the document has no such operation`);
    validator = errorShape;
  } else {
    if (!op.responses.has(String(response.status))) {
      throw new Error(`contract: ${where}: status not documented for ${op.method} ${op.template}`);
    }
    validator = op.responses.get(String(response.status));
  }
  checked++;
  if (!validator) return;
  if (request.method === 'HEAD') {
    if ((await response.clone().text()) !== '') throw new Error(`contract: ${where}: a HEAD answer carried a body`);
    return;
  }
  if (!(response.headers.get('Content-Type') ?? '').startsWith('application/json')) {
    throw new Error(`contract: ${where}: documented as JSON, sent ${response.headers.get('Content-Type')}`);
  }
  const body: unknown = JSON.parse(await response.clone().text());
  const result = validator.validate(body);
  if (!result.valid) {
    const errors = result.errors.slice(0, 5).map((e) => `${e.instanceLocation}: ${e.error}`);
    throw new Error(`contract: ${where}: the body does not match the document:\n  ${errors.join('\n  ')}`);
  }
}
