// SPDX-License-Identifier: Apache-2.0
/**
 * The one mapping from backend errors to virtio-crypto status codes. Knows nothing else.
 */
import type { BackendErrorKind } from '../backends/types.js';
import { VIRTIO_CRYPTO_STATUS as S, type VirtioCryptoStatus } from '../spec/virtio-crypto.js';

const BY_KIND: Record<BackendErrorKind, VirtioCryptoStatus> = {
  'not-supported': S.VIRTIO_CRYPTO_NOTSUPP,
  'invalid-key': S.VIRTIO_CRYPTO_ERR,
  'invalid-argument': S.VIRTIO_CRYPTO_ERR,
  'auth-failed': S.VIRTIO_CRYPTO_BADMSG,
  'signature-invalid': S.VIRTIO_CRYPTO_KEY_REJECTED,
  internal: S.VIRTIO_CRYPTO_ERR,
};

export function statusForBackendError(kind: BackendErrorKind): VirtioCryptoStatus {
  return BY_KIND[kind];
}

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(S).map(([k, v]) => [v, k.replace('VIRTIO_CRYPTO_', '')]));

/** "OK", "BADMSG", ... for logs and metrics labels. */
export function statusName(status: number): string {
  return NAMES[status] ?? `UNKNOWN_${status}`;
}
