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
const NOT_BLANK = regex(/\S/, 'must not be empty or whitespace-only');
// C0 controls, DEL and C1 controls.
const NO_CONTROL_CHARACTERS = regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not contain control characters');
const atMost = (n: number) => maxLength(n, `must be at most ${n} characters`);

const name = string({ error: requiredString }).check(NOT_BLANK, NO_CONTROL_CHARACTERS, atMost(LIMITS.name));

const clientId = string({ error: requiredString }).check(
  NOT_BLANK,
  NO_CONTROL_CHARACTERS,
  atMost(LIMITS.clientId),
);

// A masked value read back and sent again must never overwrite a real secret.
const clientSecret = string({ error: requiredString }).check(
  NOT_BLANK,
  NO_CONTROL_CHARACTERS,
  atMost(LIMITS.clientSecret),
  regex(/^(?!\s*\*+\s*$)/, `must be the real client secret, not a mask such as "${SECRET_MASK}"`),
);

const provider = zEnum(PROVIDER_IDS, {
  error: (iss) => (iss.input === undefined ? 'is required' : `must be one of: ${PROVIDER_IDS.join(', ')}`),
});

function serialisedBytes(value: unknown): number {
  try {
    return utf8.encode(JSON.stringify(value)).length;
  } catch {
    // Nesting too deep to serialise: too large by any measure.
    return Infinity;
  }
}

// zod rebuilds records key by key, and a "__proto__" key would be dropped
// silently on the way; it is refused before that happens.
// (unknown + refine rather than custom: it stays representable in JSON Schema.)
const noProtoKey = unknown().check(
  refine((value) => !(typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')), {
    error: 'must not use the key "__proto__"',
  }),
);

const metadata = pipe(
  noProtoKey,
  record(string(), unknown(), { error: 'must be a JSON object' }).check(
    refine((value) => serialisedBytes(value) <= LIMITS.metadataBytes, {
      error: `must be at most ${LIMITS.metadataBytes} bytes as JSON`,
    }),
  ),
);

export const createOAuthAppBody = strictObject(
  {
    provider,
    client_id: clientId,
    client_secret: clientSecret,
    name,
    metadata: optional(metadata),
  },
  { error: 'must be a JSON object' },
);

export type CreateOAuthAppInput = {
  provider: (typeof PROVIDER_IDS)[number];
  client_id: string;
  client_secret: string;
  name: string;
  metadata?: Record<string, unknown> | undefined;
};
