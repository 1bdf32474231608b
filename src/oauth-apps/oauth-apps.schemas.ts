// Request schemas for OAuth apps. zod/mini, imported by name: the Worker
// carries only what it uses, and z.toJSONSchema can still turn these into
// the OpenAPI document later (refinements are invisible there, so each is
// also said in words in the README).
import {
  enum as zEnum,
  maxLength,
  optional,
  pipe,
  record,
  refine,
  regex,
  string,
  strictObject,
  unknown,
  type output,
} from 'zod/mini';
import { utf8 } from '../crypto/encoding';
import { PROVIDER_IDS } from './providers';

export const LIMITS = {
  name: 255,
  clientId: 512,
  clientSecret: 4096,
  metadataBytes: 16 * 1024,
} as const;

/** The mask the API shows instead of a secret. */
export const SECRET_MASK = '**********';

const requiredString = (iss: { input: unknown }) => (iss.input === undefined ? 'is required' : 'must be a string');
const oneOfProviders = (iss: { input: unknown }) =>
  iss.input === undefined ? 'is required' : `must be one of: ${PROVIDER_IDS.join(', ')}`;

function serialisedBytes(value: unknown): number {
  try {
    return utf8.encode(JSON.stringify(value)).length;
  } catch {
    // Nesting too deep to serialise: too large by any measure.
    return Infinity;
  }
}

const hasProtoKey = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__');

const notBlank = regex(/\S/, 'must not be empty or whitespace-only');
// C0 controls, DEL and C1 controls.
const noControlCharacters = regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters');
const atMost = (n: number) => maxLength(n, `must be at most ${n} characters`);
const text = (max: number) => string({ error: requiredString }).check(notBlank, noControlCharacters, atMost(max));

// A masked value read back and sent again must never overwrite a real secret.
const clientSecret = text(LIMITS.clientSecret).check(
  regex(/^(?!\s*\*+\s*$)/, `must be the real client secret, not a mask such as "${SECRET_MASK}"`),
);

const metadata = pipe(
  // zod rebuilds records key by key and would silently drop a "__proto__"
  // key, so it is refused first (unknown + refine stays representable in JSON Schema).
  unknown().check(refine((value) => !hasProtoKey(value), { error: 'must not use the key "__proto__"' })),
  record(string(), unknown(), { error: 'must be a JSON object' }).check(
    refine((value) => serialisedBytes(value) <= LIMITS.metadataBytes, {
      error: `must be at most ${LIMITS.metadataBytes} bytes as JSON`,
    }),
  ),
);

export const createOAuthAppBody = strictObject(
  {
    provider: zEnum(PROVIDER_IDS, { error: oneOfProviders }),
    client_id: text(LIMITS.clientId),
    client_secret: clientSecret,
    name: text(LIMITS.name),
    metadata: optional(metadata),
  },
  { error: 'must be a JSON object' },
);

export type CreateOAuthAppInput = output<typeof createOAuthAppBody>;
