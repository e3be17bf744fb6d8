// SPDX-License-Identifier: Apache-2.0
/**
 * Software AEAD service: AES-GCM, AES-CCM and ChaCha20-Poly1305 over node:crypto, the key
 * imported once per session as a KeyObject. Encrypt returns ciphertext‖tag; decrypt takes
 * ciphertext‖tag, returns the plaintext only when the tag verifies and otherwise fails with
 * 'auth-failed' (no partial plaintext ever leaves this file).
 * Limits checked before OpenSSL sees them: GCM nonce 1..128 bytes (12 is the fast one), tag
 * 4, 8, 12..16; CCM nonce 7..13 bytes, tag 4..16 even, plaintext below 2^(8·(15−nonceLen)),
 * and node's one-update rule (CCM takes the whole message in one update() with its length
 * announced in setAAD); ChaCha20-Poly1305 nonce 12, tag 16.
 * Knows nothing of virtio. KeyObjects cannot be wiped from JavaScript, only dropped.
 */
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type CipherCCMTypes,
  type CipherChaCha20Poly1305Types,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto';
import { BackendError, type AeadAlgorithm, type Direction } from '../types.js';

interface AeadSpec {
  readonly keyLens: readonly number[];
  readonly tagLens: readonly number[];
  readonly nonceMin: number;
  readonly nonceMax: number;
  readonly nodeName: (keyLen: number) => string;
}

/** The AEAD table: add an algorithm here (and its name to AeadAlgorithm in ../types.ts). */
export const AEAD_SPECS: Readonly<Record<AeadAlgorithm, AeadSpec>> = {
  'aes-gcm': { keyLens: [16, 24, 32], tagLens: [4, 8, 12, 13, 14, 15, 16], nonceMin: 1, nonceMax: 128, nodeName: (k) => `aes-${k * 8}-gcm` },
  'aes-ccm': { keyLens: [16, 24, 32], tagLens: [4, 6, 8, 10, 12, 14, 16], nonceMin: 7, nonceMax: 13, nodeName: (k) => `aes-${k * 8}-ccm` },
  'chacha20-poly1305': { keyLens: [32], tagLens: [16], nonceMin: 12, nonceMax: 12, nodeName: () => 'chacha20-poly1305' },
};

export interface AeadEngine {
  /** dst: see CryptoOp's aead dst (encrypt only). */
  run(direction: Direction, iv: Uint8Array, aad: Uint8Array, src: Uint8Array, dst?: Uint8Array): Uint8Array;
  release(): void;
}

type AnyAeadName = CipherGCMTypes & CipherCCMTypes & CipherChaCha20Poly1305Types;

class NodeAead implements AeadEngine {
  constructor(
    private readonly algorithm: AeadAlgorithm,
    private readonly nodeName: string,
    private key: KeyObject | undefined,
    private readonly tagLen: number,
  ) {}

  run(direction: Direction, iv: Uint8Array, aad: Uint8Array, src: Uint8Array, dst?: Uint8Array): Uint8Array {
    const spec = AEAD_SPECS[this.algorithm];
    if (iv.length < spec.nonceMin || iv.length > spec.nonceMax) {
      throw new BackendError('invalid-argument', `${this.algorithm} takes a ${spec.nonceMin}..${spec.nonceMax}-byte nonce, got ${iv.length}`);
    }
    if (direction === 'decrypt' && src.length < this.tagLen) {
      throw new BackendError('invalid-argument', `${this.algorithm} input of ${src.length} bytes is shorter than its ${this.tagLen}-byte tag`);
    }
    const msgLen = direction === 'encrypt' ? src.length : src.length - this.tagLen;
    if (this.algorithm === 'aes-ccm' && 8 * (15 - iv.length) < 53 && msgLen >= 2 ** (8 * (15 - iv.length))) {
      throw new BackendError('invalid-argument', `aes-ccm with a ${iv.length}-byte nonce cannot carry ${msgLen} bytes`);
    }
    if (this.key === undefined) throw new Error('aead engine already released');
    return direction === 'encrypt' ? this.seal(this.key, iv, aad, src, dst) : this.open(this.key, iv, aad, src);
  }

  private seal(key: KeyObject, iv: Uint8Array, aad: Uint8Array, src: Uint8Array, dst: Uint8Array | undefined): Uint8Array {
    try {
      const c = createCipheriv(this.nodeName as AnyAeadName, key, iv, { authTagLength: this.tagLen });
      // GCM and ChaCha20-Poly1305 take no AAD call for empty AAD; CCM needs the plaintext length announced.
      if (aad.length > 0 || this.algorithm === 'aes-ccm') c.setAAD(aad, { plaintextLength: src.length });
      const body = c.update(src);
      c.final();
      const tag = c.getAuthTag();
      const n = body.length + tag.length;
      // src and aad are consumed: the output may now overwrite them (an in-place request).
      if (dst !== undefined && dst.length >= n) {
        dst.set(body, 0);
        dst.set(tag, body.length);
        return dst.subarray(0, n);
      }
      const out = Buffer.allocUnsafe(n);
      body.copy(out, 0);
      tag.copy(out, body.length);
      return out;
    } catch (e: unknown) {
      throw new BackendError('internal', `${this.algorithm} encrypt failed in OpenSSL`, { cause: e });
    }
  }

  private open(key: KeyObject, iv: Uint8Array, aad: Uint8Array, src: Uint8Array): Buffer {
    const body = src.subarray(0, src.length - this.tagLen);
    const tag = src.subarray(src.length - this.tagLen);
    let out: Buffer;
    const d = createDecipheriv(this.nodeName as AnyAeadName, key, iv, { authTagLength: this.tagLen });
    try {
      d.setAuthTag(tag);
      d.setAAD(aad, { plaintextLength: body.length });
      out = d.update(body);
    } catch (e: unknown) {
      throw new BackendError('internal', `${this.algorithm} decrypt failed in OpenSSL`, { cause: e });
    }
    try {
      // GCM and ChaCha20-Poly1305 check the tag here; CCM checked it in update() and final() reports it.
      d.final();
    } catch (e: unknown) {
      out.fill(0);
      throw new BackendError('auth-failed', `${this.algorithm} tag did not verify`, { cause: e });
    }
    return out;
  }

  release(): void {
    this.key = undefined;
  }
}

/** Validates key and tag lengths and imports the key; throws BackendError. */
export function createAeadEngine(algorithm: AeadAlgorithm, key: Uint8Array, tagLen: number): AeadEngine {
  const spec = AEAD_SPECS[algorithm];
  if (!spec.keyLens.includes(key.length)) throw new BackendError('invalid-key', `${algorithm} does not take a ${key.length}-byte key`);
  if (!spec.tagLens.includes(tagLen)) {
    throw new BackendError('invalid-argument', `${algorithm} tag length must be one of ${spec.tagLens.join(', ')}, got ${tagLen}`);
  }
  let ko: KeyObject;
  try {
    ko = createSecretKey(key);
  } catch (e: unknown) {
    throw new BackendError('internal', `${algorithm} key could not be imported`, { cause: e });
  }
  return new NodeAead(algorithm, spec.nodeName(key.length), ko, tagLen);
}
