// Guards a JSON request body before validation: media type (415), size (413),
// UTF-8 and JSON syntax (400). The validated text is left in Hono's body cache,
// where @hono/zod-validator reads it.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';

// The same test @hono/zod-validator applies: it silently skips any other type.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export const MAX_BODY_BYTES = 64 * 1024;

/** allowEmpty: a request with no body at all counts as `{}` (PATCH with nothing to change). */
export function jsonBody(options: { allowEmpty?: boolean; maxBytes?: number } = {}): MiddlewareHandler<AppEnv> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  return async (c, next) => {
    if (options.allowEmpty && (c.req.raw.body === null || c.req.header('Content-Length') === '0')) {
      setBodyText(c.req.bodyCache, '{}');
      return next();
    }
    const contentType = c.req.header('Content-Type') ?? '';
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError(415, 'The request body must be JSON, sent with Content-Type: application/json.');
    }
    // Made only when thrown: an Error captures a stack trace, a cost for every request otherwise.
    const tooLarge = () => new ApiError(413, `The request body must be at most ${maxBytes} bytes.`);
    const declared = Number(c.req.header('Content-Length'));
    // Answer from the declared length without reading the body.
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();

    const bytes = await readAtMost(c.req.raw.body, maxBytes);
    if (!bytes) throw tooLarge();
    if (options.allowEmpty && bytes.length === 0) {
      setBodyText(c.req.bodyCache, '{}');
      return next();
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new ApiError(400, 'The request body is not valid UTF-8.');
    }
    try {
      JSON.parse(text);
    } catch {
      throw new ApiError(400, 'The request body is not valid JSON.');
    }
    setBodyText(c.req.bodyCache, text);
    await next();
  };
}

/** HonoRequest keeps body promises in bodyCache; c.req.json() in the validator reads this one. */
function setBodyText(bodyCache: object, text: string): void {
  (bodyCache as Record<string, unknown>).text = Promise.resolve(text);
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
