// SPDX-License-Identifier: Apache-2.0
/**
 * Software MAC service. HMAC-MD5/SHA-1/SHA-2 come straight from node:crypto (the key imported
 * once per session as a KeyObject). The block-cipher MACs node:crypto has no call for are built
 * here on the session's reusable CBC object (block-modes.ts), each as one CBC pass with a zero IV
 * over a buffer this file owns, keeping the last block:
 *  - CMAC (NIST SP 800-38B, RFC 4493) for AES-128/192/256 and three-key 3DES;
 *  - XCBC (RFC 3566, AES-128 only): K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..);
 *  - CBC-MAC (AES): the final partial block is zero-padded and an empty message gives the zero
 *    block, as Linux's cbcmac(aes) does, so the kernel backend and this one agree;
 *  - GMAC (AES): GCM with the message as AAD and no plaintext; its 12-byte nonce is the op's iv.
 * A result length shorter than the MAC returns its first bytes. Derived subkeys are Buffers this
 * file owns and wipes on release(); KeyObjects cannot be wiped, only dropped.
 * Knows nothing of virtio.
 */
import { createCipheriv, createHmac, createSecretKey, type CipherGCMTypes, type KeyObject } from 'node:crypto';
import { BackendError, type MacAlgorithm } from '../types.js';
import { CbcEngine, EcbEngine } from './block-modes.js';

interface MacSpec {
  readonly keyLens: readonly number[] | 'any';
  /** Full MAC length in bytes: the largest result length a session may ask for. */
  readonly macLen: number;
}

/** The MAC table: add an algorithm here (and its name to MacAlgorithm in ../types.ts). */
export const MAC_SPECS: Readonly<Record<MacAlgorithm, MacSpec>> = {
  'hmac-md5': { keyLens: 'any', macLen: 16 },
  'hmac-sha1': { keyLens: 'any', macLen: 20 },
  'hmac-sha224': { keyLens: 'any', macLen: 28 },
  'hmac-sha256': { keyLens: 'any', macLen: 32 },
  'hmac-sha384': { keyLens: 'any', macLen: 48 },
  'hmac-sha512': { keyLens: 'any', macLen: 64 },
  'cmac-aes': { keyLens: [16, 24, 32], macLen: 16 },
  'cmac-3des': { keyLens: [24], macLen: 8 },
  'gmac-aes': { keyLens: [16, 24, 32], macLen: 16 },
  'xcbc-aes': { keyLens: [16], macLen: 16 },
  'cbcmac-aes': { keyLens: [16, 24, 32], macLen: 16 },
};

export const GMAC_NONCE_LEN = 12;

export interface MacEngine {
  run(src: Uint8Array, iv: Uint8Array): Uint8Array;
  release(): void;
}

const HMAC_HASH: Partial<Record<MacAlgorithm, string>> = {
  'hmac-md5': 'md5',
  'hmac-sha1': 'sha1',
  'hmac-sha224': 'sha224',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
};

/** Doubling in GF(2^128) or GF(2^64), the CMAC subkey step (SP 800-38B 6.1). */
function dbl(b: Buffer): Buffer {
  const out = Buffer.alloc(b.length);
  let carry = 0;
  for (let i = b.length - 1; i >= 0; i--) {
    const v = b[i]!;
    out[i] = ((v << 1) | carry) & 0xff;
    carry = v >> 7;
  }
  if (carry !== 0) out[b.length - 1] = out[b.length - 1]! ^ (b.length === 16 ? 0x87 : 0x1b);
  return out;
}

/** One CBC pass with a zero IV over a copy of src, last block masked (CMAC/XCBC) or zero-padded. */
function lastCbcBlock(cbc: CbcEngine, n: number, src: Uint8Array, masks?: { full: Buffer; padded: Buffer }): Buffer {
  const complete = src.length > 0 && src.length % n === 0;
  const total = complete ? src.length : (Math.floor(src.length / n) + 1) * n;
  const input = Buffer.alloc(total);
  input.set(src);
  if (masks !== undefined) {
    if (!complete) input[src.length] = 0x80;
    const mask = complete ? masks.full : masks.padded;
    const last = total - n;
    for (let i = 0; i < n; i++) input[last + i] = input[last + i]! ^ mask[i]!;
  }
  const out = cbc.encryptInPlace(Buffer.alloc(n), input);
  return out.subarray(out.length - n);
}

function importKey(algorithm: MacAlgorithm, key: Uint8Array): KeyObject {
  try {
    return createSecretKey(key);
  } catch (e: unknown) {
    throw new BackendError('internal', `${algorithm} key could not be imported`, { cause: e });
  }
}

function blockMac(algorithm: MacAlgorithm, key: Uint8Array): MacEngine {
  const is3des = algorithm === 'cmac-3des';
  const n = is3des ? 8 : 16;
  const ecbName = is3des ? 'des-ede3-ecb' : `aes-${key.length * 8}-ecb`;
  const cbcName = is3des ? 'des-ede3-cbc' : `aes-${key.length * 8}-cbc`;
  const secrets: Buffer[] = [];
  let cbc: CbcEngine;
  let masks: { full: Buffer; padded: Buffer } | undefined;
  const ko = importKey(algorithm, key);
  if (algorithm === 'cmac-aes' || algorithm === 'cmac-3des') {
    const ecb = new EcbEngine(ecbName, ko);
    const l = ecb.encrypt(Buffer.alloc(n));
    ecb.release();
    const k1 = dbl(l);
    l.fill(0);
    masks = { full: k1, padded: dbl(k1) };
    secrets.push(masks.full, masks.padded);
    cbc = new CbcEngine(cbcName, ko, n);
  } else if (algorithm === 'xcbc-aes') {
    const ecb = new EcbEngine(ecbName, ko);
    const derived = ecb.encrypt(Buffer.concat([Buffer.alloc(16, 1), Buffer.alloc(16, 2), Buffer.alloc(16, 3)]));
    ecb.release();
    const k1 = importKey(algorithm, derived.subarray(0, 16));
    masks = { full: Buffer.from(derived.subarray(16, 32)), padded: Buffer.from(derived.subarray(32, 48)) };
    derived.fill(0);
    secrets.push(masks.full, masks.padded);
    cbc = new CbcEngine(cbcName, k1, n);
  } else {
    cbc = new CbcEngine(cbcName, ko, n);
  }
  const zeroForEmpty = algorithm === 'cbcmac-aes';
  return {
    run: (src) => (zeroForEmpty && src.length === 0 ? Buffer.alloc(n) : lastCbcBlock(cbc, n, src, masks)),
    release: () => {
      cbc.release();
      for (const s of secrets) s.fill(0);
    },
  };
}

function gmac(key: Uint8Array): MacEngine {
  let ko: KeyObject | undefined = importKey('gmac-aes', key);
  const nodeName = `aes-${key.length * 8}-gcm` as CipherGCMTypes;
  return {
    run: (src, iv) => {
      if (iv.length !== GMAC_NONCE_LEN) {
        throw new BackendError('invalid-argument', `gmac-aes takes a ${GMAC_NONCE_LEN}-byte nonce, got ${iv.length}`);
      }
      if (ko === undefined) throw new Error('gmac engine already released');
      const g = createCipheriv(nodeName, ko, iv);
      g.setAAD(src);
      g.final();
      return g.getAuthTag();
    },
    release: () => {
      ko = undefined;
    },
  };
}

function hmac(hashName: string, algorithm: MacAlgorithm, key: Uint8Array): MacEngine {
  // createSecretKey refuses an empty key; HMAC allows one (RFC 2104) and it holds no secret.
  let k: KeyObject | Buffer | undefined = key.length === 0 ? Buffer.alloc(0) : importKey(algorithm, key);
  return {
    run: (src) => {
      if (k === undefined) throw new Error('hmac engine already released');
      return createHmac(hashName, k).update(src).digest();
    },
    release: () => {
      k = undefined;
    },
  };
}

/** Validates key and result lengths, imports the key, derives subkeys; throws BackendError. */
export function createMacEngine(algorithm: MacAlgorithm, key: Uint8Array, resultLen: number): MacEngine {
  const spec = MAC_SPECS[algorithm];
  if (spec.keyLens !== 'any' && !spec.keyLens.includes(key.length)) {
    throw new BackendError('invalid-key', `${algorithm} does not take a ${key.length}-byte key`);
  }
  if (!Number.isInteger(resultLen) || resultLen < 1 || resultLen > spec.macLen) {
    throw new BackendError('invalid-argument', `${algorithm} result length must be 1..${spec.macLen}, got ${resultLen}`);
  }
  const hashName = HMAC_HASH[algorithm];
  let engine: MacEngine;
  try {
    engine = hashName !== undefined ? hmac(hashName, algorithm, key) : algorithm === 'gmac-aes' ? gmac(key) : blockMac(algorithm, key);
  } catch (e: unknown) {
    if (e instanceof BackendError) throw e;
    throw new BackendError('internal', `${algorithm} key setup failed in OpenSSL`, { cause: e });
  }
  return {
    run: (src, iv) => {
      const tag = engine.run(src, iv);
      return resultLen < tag.length ? tag.subarray(0, resultLen) : tag;
    },
    release: () => engine.release(),
  };
}
