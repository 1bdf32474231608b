// Guards a JSON request body before validation: media type (415), size (413),
// UTF-8 and JSON syntax (400). The parsed body is left in the context's
// "body", where validate('json', ...) reads it (src/http/validation.ts).
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';

// application/json and any +json type.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * allowEmpty: an empty body (none, or zero bytes, whatever its Content-Type)
 * counts as `{}` (PATCH with nothing to change). One rule on every runtime:
 * workerd gives a request without a body a null stream, Node an empty one.
 */
export function jsonBody(options: { allowEmpty?: boolean; maxBytes?: number } = {}): MiddlewareHandler<AppEnv> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  return async (c, next) => {
    const contentType = c.req.header('Content-Type') ?? '';
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    const unsupported = () => new ApiError('unsupported_media_type', 'The request body must be JSON, sent with Content-Type: application/json.');
    // Without allowEmpty the type is checked before any byte is read.
    if (!options.allowEmpty && !JSON_MEDIA_TYPE.test(mediaType)) throw unsupported();
    // Made only when thrown: an Error captures a stack trace, a cost for every request otherwise.
    const tooLarge = () => new ApiError('body_too_large', `The request body must be at most ${maxBytes} bytes.`);
    const declared = Number(c.req.header('Content-Length'));
    // Answer from the declared length without reading the body.
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();

    const bytes = await readAtMost(c.req.raw.body, maxBytes);
    if (!bytes) throw tooLarge();
    if (options.allowEmpty && bytes.length === 0) {
      c.set('body', {});
      return next();
    }
    if (!JSON_MEDIA_TYPE.test(mediaType)) throw unsupported();
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new ApiError('body_not_utf8', 'The request body is not valid UTF-8.');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError('body_not_json', 'The request body is not valid JSON.');
    }
    c.set('body', body);
    await next();
  };
}

/**
 * The whole stream if it holds at most maxBytes, else undefined. Past the limit
 * the rest is read and dropped: cancelling a request stream part-way upsets
 * the local runtime (see stack notes).
 */
async function readAtMost(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total <= maxBytes) chunks.push(value);
  }
  if (total > maxBytes) return undefined;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
