// Operator endpoints for key custody (scope keys:manage). They act across
// accounts but never show a secret: counts, key ids, and re-encryption, which
// must run here because only the runtime holds the keys.
//   GET  /v1/encryption-keys         each key id: primary?, in the keyring?, secrets it protects
//   POST /v1/encryption-keys/rotate  one bounded re-encryption batch; how many remain
// A rotation's events in tenants' trails carry a run id, never the operator's
// token or request; the operator's own event (encryption_keys.rotated, with
// token, request and run id) is in the operator's account's trail.
import { requestActor, runActor } from '../audit/audit-events';
import { requireToken } from '../auth/authenticate';
import { loadKeyring } from '../crypto/keyring';
import { methodNotAllowed } from '../http/errors';
import { newRoutes } from '../http/router';
import { jsonBody } from '../http/json-body';
import { validate } from '../http/validation';
import { keyStatus, rotateBatch } from './custody';
import { DEFAULT_ROTATION_BATCH, rotateBody } from './keys.schemas';

const manage = requireToken('keys:manage');

export const keysRoutes = newRoutes()
  .get('/', manage, async (c) => {
    const keyring = await loadKeyring(c.get('config').encryptionKeyring);
    const status = await keyStatus(c.get('db'), keyring);
    return c.json({ primary: status.primary, pending: status.pending, keyring_fingerprint: keyring.fingerprint, data: status.keys });
  })
  .all('/', methodNotAllowed(['GET']))
  .post('/rotate', manage, jsonBody({ allowEmpty: true }), validate('json', rotateBody), async (c) => {
    const keyring = await loadKeyring(c.get('config').encryptionKeyring);
    const limit = c.req.valid('json').limit ?? DEFAULT_ROTATION_BATCH;
    const requestedBy = { accountId: c.get('auth').accountId, actor: requestActor(c) };
    const result = await rotateBatch(c.get('db'), keyring, limit, runActor(), new Date(), requestedBy, c.get('config').secretExpiryWarningDays);
    return c.json({
      primary_key_id: result.primaryKeyId,
      reencrypted: result.reencrypted,
      failed: result.failed,
      raced: result.raced,
      remaining: result.remaining,
    });
  })
  .all('/rotate', methodNotAllowed(['POST']));
