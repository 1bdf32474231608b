// The body of POST /v1/encryption-keys/rotate.
import { int, maximum, minimum, optional, strictObject, type output } from 'zod/mini';
import { MAX_ROTATION_BATCH } from './custody';

export const DEFAULT_ROTATION_BATCH = 100;

export const rotateBody = strictObject(
  {
    limit: optional(
      int({ error: `must be an integer from 1 to ${MAX_ROTATION_BATCH}` }).check(
        minimum(1, `must be an integer from 1 to ${MAX_ROTATION_BATCH}`),
        maximum(MAX_ROTATION_BATCH, `must be an integer from 1 to ${MAX_ROTATION_BATCH}`),
      ),
    ),
  },
  { error: 'must be a JSON object' },
);

export type RotateInput = output<typeof rotateBody>;
