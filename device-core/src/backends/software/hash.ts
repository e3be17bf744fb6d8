// SPDX-License-Identifier: Apache-2.0
/**
 * Software hash service: MD5, SHA-1, SHA-2, SHA-3 and SHAKE over node:crypto. A result length
 * shorter than the digest returns its first bytes (the guest asked for fewer); SHAKE produces
 * exactly the requested length (the XOF output length is the session's result length).
 * Fixed-size digests use the one-shot crypto.hash(), which skips building a Hash object.
 * Knows nothing of virtio; handles no key material.
 */
import { createHash, hash } from 'node:crypto';
import { BackendError, type HashAlgorithm } from '../types.js';

interface HashSpec {
  readonly nodeName: string;
  /** Digest length in bytes; for SHAKE, its usual output length (the probe's). */
  readonly digestLen: number;
  readonly xof: boolean;
}

/** The hash table: add an algorithm here (and its name to HashAlgorithm in ../types.ts). */
export const HASH_SPECS: Readonly<Record<HashAlgorithm, HashSpec>> = {
  md5: { nodeName: 'md5', digestLen: 16, xof: false },
  sha1: { nodeName: 'sha1', digestLen: 20, xof: false },
  sha224: { nodeName: 'sha224', digestLen: 28, xof: false },
  sha256: { nodeName: 'sha256', digestLen: 32, xof: false },
  sha384: { nodeName: 'sha384', digestLen: 48, xof: false },
  sha512: { nodeName: 'sha512', digestLen: 64, xof: false },
  'sha3-224': { nodeName: 'sha3-224', digestLen: 28, xof: false },
  'sha3-256': { nodeName: 'sha3-256', digestLen: 32, xof: false },
  'sha3-384': { nodeName: 'sha3-384', digestLen: 48, xof: false },
  'sha3-512': { nodeName: 'sha3-512', digestLen: 64, xof: false },
  shake128: { nodeName: 'shake128', digestLen: 16, xof: true },
  shake256: { nodeName: 'shake256', digestLen: 32, xof: true },
};

/** The largest output a SHAKE session may ask for (bounded so a guest cannot ask for gigabytes). */
export const MAX_XOF_LEN = 4096;

export interface HashEngine {
  run(src: Uint8Array): Uint8Array;
}

/** Validates the result length; throws BackendError 'invalid-argument'. */
export function createHashEngine(algorithm: HashAlgorithm, resultLen: number): HashEngine {
  const spec = HASH_SPECS[algorithm];
  const max = spec.xof ? MAX_XOF_LEN : spec.digestLen;
  if (!Number.isInteger(resultLen) || resultLen < 1 || resultLen > max) {
    throw new BackendError('invalid-argument', `${algorithm} result length must be 1..${max}, got ${resultLen}`);
  }
  if (spec.xof) {
    return { run: (src) => createHash(spec.nodeName, { outputLength: resultLen }).update(src).digest() };
  }
  return {
    run: (src) => {
      const digest = hash(spec.nodeName, src, 'buffer');
      return resultLen < digest.length ? digest.subarray(0, resultLen) : digest;
    },
  };
}
