// SPDX-License-Identifier: Apache-2.0
/**
 * The benchmark's algorithms, one table: for each, the control request that opens its session,
 * the data request the guest sends for one buffer, and the same operation done by node:crypto
 * in a plain loop (the ceiling: the straightforward per-request code with the key imported once
 * as a KeyObject, as a careful program would write it; with Node 24's OpenSSL 3.5 a raw Buffer
 * key makes createCipheriv about 5x slower). Add an algorithm here. Knows nothing of rings or
 * processes.
 * Keys and buffers are random per run and never printed.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hash, randomBytes } from 'node:crypto';
import {
  ctrl,
  data,
  VIRTIO_CRYPTO_AEAD,
  VIRTIO_CRYPTO_CIPHER,
  VIRTIO_CRYPTO_HASH,
  VIRTIO_CRYPTO_MAC,
  VIRTIO_CRYPTO_OP_DECRYPT,
  VIRTIO_CRYPTO_OP_ENCRYPT,
  type LogicalRequest,
} from '../../device-core/src/index.js';

export const ALGORITHMS = ['aes-128-cbc-enc', 'aes-128-cbc-dec', 'aes-256-gcm-enc', 'sha256', 'hmac-sha256'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** Algorithms QEMU's cryptodev-vhost-user forwards to a backend (symmetric ciphers only). */
export const CRYPTODEV_ALGORITHMS: readonly Algorithm[] = ['aes-128-cbc-enc', 'aes-128-cbc-dec'];

export interface Workload {
  readonly algorithm: Algorithm;
  /** The control request that creates the session. */
  readonly session: LogicalRequest;
  /** The data request for `src` in the session `sessionId`. */
  request(sessionId: bigint, src: Uint8Array): LogicalRequest;
  /** One operation on `src` with node:crypto, as a program without the device would do it. */
  ceiling(src: Uint8Array): void;
  /** Which readable field of the request (per-field layout) holds the source bytes. */
  readonly srcField: number;
  /** The `openssl speed` arguments measuring the same primitive, or undefined. */
  readonly openssl: readonly string[];
}

export function workload(algorithm: Algorithm): Workload {
  const iv = randomBytes(16);
  switch (algorithm) {
    case 'aes-128-cbc-enc':
    case 'aes-128-cbc-dec': {
      const key = randomBytes(16);
      const ko = createSecretKey(key);
      const encrypt = algorithm === 'aes-128-cbc-enc';
      return {
        algorithm,
        session: ctrl.cipherSession(VIRTIO_CRYPTO_CIPHER.VIRTIO_CRYPTO_CIPHER_AES_CBC, key, encrypt ? VIRTIO_CRYPTO_OP_ENCRYPT : VIRTIO_CRYPTO_OP_DECRYPT),
        request: (sid, src) => data.cipher(sid, encrypt, iv, src),
        ceiling: (src) => {
          const c = encrypt ? createCipheriv('aes-128-cbc', ko, iv) : createDecipheriv('aes-128-cbc', ko, iv);
          c.setAutoPadding(false).update(src);
          c.final();
        },
        srcField: 2,
        openssl: encrypt ? ['-evp', 'aes-128-cbc'] : ['-evp', 'aes-128-cbc', '-decrypt'],
      };
    }
    case 'aes-256-gcm-enc': {
      const key = randomBytes(32);
      const ko = createSecretKey(key);
      const nonce = iv.subarray(0, 12);
      const aad = new Uint8Array(0);
      return {
        algorithm,
        session: ctrl.aeadSession(VIRTIO_CRYPTO_AEAD.VIRTIO_CRYPTO_AEAD_GCM, key, 16, 0, VIRTIO_CRYPTO_OP_ENCRYPT),
        request: (sid, src) => data.aead(sid, true, nonce, aad, src, src.length + 16),
        ceiling: (src) => {
          const c = createCipheriv('aes-256-gcm', ko, nonce);
          c.update(src);
          c.final();
          c.getAuthTag();
        },
        srcField: 2,
        openssl: ['-evp', 'aes-256-gcm'],
      };
    }
    case 'sha256':
      return {
        algorithm,
        session: ctrl.hashSession(VIRTIO_CRYPTO_HASH.VIRTIO_CRYPTO_HASH_SHA_256, 32),
        request: (sid, src) => data.hash(sid, src, 32),
        ceiling: (src) => {
          hash('sha256', src, 'buffer');
        },
        srcField: 1,
        openssl: ['-evp', 'sha256'],
      };
    case 'hmac-sha256': {
      const key = randomBytes(32);
      const ko = createSecretKey(key);
      return {
        algorithm,
        session: ctrl.macSession(VIRTIO_CRYPTO_MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, 32, key),
        request: (sid, src) => data.mac(sid, src, 32),
        ceiling: (src) => {
          createHmac('sha256', ko).update(src).digest();
        },
        srcField: 1,
        openssl: ['-hmac', 'sha256'],
      };
    }
  }
}
