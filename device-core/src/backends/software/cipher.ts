// SPDX-License-Identifier: Apache-2.0
/**
 * Software cipher service: AES-ECB/CBC/CTR/XTS and 3DES-ECB/CBC/CTR over node:crypto (OpenSSL),
 * plus DES-ECB/CBC and ARC4 for OpenSSL builds that still load them (the backend's probe decides;
 * Node's bundled OpenSSL 3 does not load the legacy provider, so normally they are absent).
 *
 * One table (CIPHER_SPECS) says which key and IV sizes each algorithm takes; sizes are checked
 * before node:crypto is called: a wrong key size is 'invalid-key', a wrong IV size or a partial
 * block is 'invalid-argument'. The key is imported once per session as a KeyObject; ECB and CBC
 * reuse long-lived cipher objects (block-modes.ts); 3DES-CTR, which OpenSSL lacks, is CTR built
 * on the session's 3DES-ECB object with a 64-bit big-endian counter (wrapping modulo 2^64, as
 * Linux's ctr() template does). ARC4 starts from the key on every request.
 * Knows nothing of virtio; holds no raw key bytes after createCipherEngine returns.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { BackendError, type CipherAlgorithm, type Direction } from '../types.js';
import { CbcEngine, EcbEngine } from './block-modes.js';

type Mode = 'ecb' | 'cbc' | 'stream' | 'ctr-from-ecb';

interface CipherSpec {
  /** Accepted key lengths in bytes. */
  readonly keyLens: readonly number[];
  /** node:crypto name for an accepted key length. */
  readonly nodeName: (keyLen: number) => string;
  /** Exact IV length in bytes (0: the mode takes none and ignores what it is given). */
  readonly ivLen: number;
  /** Input must be a whole number of these (1 for stream modes). */
  readonly blockLen: number;
  /** The fewest bytes one request may carry. */
  readonly minLen: number;
  readonly mode: Mode;
}

const AES_KEYS = [16, 24, 32] as const;
const aes = (mode: string) => (keyLen: number) => `aes-${keyLen * 8}-${mode}`;
const fixed = (name: string) => () => name;
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** The cipher table: add an algorithm here (and its name to CipherAlgorithm in ../types.ts). */
export const CIPHER_SPECS: Readonly<Record<CipherAlgorithm, CipherSpec>> = {
  'aes-ecb': { keyLens: AES_KEYS, nodeName: aes('ecb'), ivLen: 0, blockLen: 16, minLen: 0, mode: 'ecb' },
  'aes-cbc': { keyLens: AES_KEYS, nodeName: aes('cbc'), ivLen: 16, blockLen: 16, minLen: 0, mode: 'cbc' },
  'aes-ctr': { keyLens: AES_KEYS, nodeName: aes('ctr'), ivLen: 16, blockLen: 1, minLen: 0, mode: 'stream' },
  // XTS keys are two AES keys back to back; OpenSSL names the mode by the size of one of them.
  'aes-xts': { keyLens: [32, 64], nodeName: (k) => `aes-${k * 4}-xts`, ivLen: 16, blockLen: 1, minLen: 16, mode: 'stream' },
  '3des-ecb': { keyLens: [24], nodeName: fixed('des-ede3-ecb'), ivLen: 0, blockLen: 8, minLen: 0, mode: 'ecb' },
  '3des-cbc': { keyLens: [24], nodeName: fixed('des-ede3-cbc'), ivLen: 8, blockLen: 8, minLen: 0, mode: 'cbc' },
  '3des-ctr': { keyLens: [24], nodeName: fixed('des-ede3-ecb'), ivLen: 8, blockLen: 1, minLen: 0, mode: 'ctr-from-ecb' },
  'des-ecb': { keyLens: [8], nodeName: fixed('des-ecb'), ivLen: 0, blockLen: 8, minLen: 0, mode: 'ecb' },
  'des-cbc': { keyLens: [8], nodeName: fixed('des-cbc'), ivLen: 8, blockLen: 8, minLen: 0, mode: 'cbc' },
  arc4: { keyLens: range(1, 256), nodeName: fixed('rc4'), ivLen: 0, blockLen: 1, minLen: 0, mode: 'stream' },
};

/** The key length the backend's start-up probe uses for an algorithm. */
export const probeKeyLen = (algorithm: CipherAlgorithm): number => CIPHER_SPECS[algorithm].keyLens[0] ?? 16;

export interface CipherEngine {
  /** dst: see CryptoOp's cipher dst. */
  run(direction: Direction, iv: Uint8Array, src: Uint8Array, dst?: Uint8Array): Uint8Array;
  release(): void;
}

function validateKey(algorithm: CipherAlgorithm, key: Uint8Array): void {
  if (!CIPHER_SPECS[algorithm].keyLens.includes(key.length)) {
    throw new BackendError('invalid-key', `${algorithm} does not take a ${key.length}-byte key`);
  }
  if (algorithm === 'aes-xts') {
    const half = key.length / 2;
    if (Buffer.compare(key.subarray(0, half), key.subarray(half)) === 0) {
      throw new BackendError('invalid-key', 'aes-xts needs two different key halves');
    }
  }
}

function validateRequest(algorithm: CipherAlgorithm, iv: Uint8Array, src: Uint8Array): void {
  const spec = CIPHER_SPECS[algorithm];
  if (spec.ivLen !== 0 && iv.length !== spec.ivLen) {
    throw new BackendError('invalid-argument', `${algorithm} takes a ${spec.ivLen}-byte IV, got ${iv.length}`);
  }
  if (src.length % spec.blockLen !== 0) {
    throw new BackendError('invalid-argument', `${algorithm} input must be a multiple of ${spec.blockLen} bytes, got ${src.length}`);
  }
  if (src.length < spec.minLen) throw new BackendError('invalid-argument', `${algorithm} needs at least ${spec.minLen} bytes`);
}

/** CTR keystream from an ECB engine: counter blocks iv, iv+1, ... (big-endian, whole block). */
function ctrFromEcb(ecb: EcbEngine, blockLen: number, iv: Uint8Array, src: Uint8Array): Buffer {
  const blocks = Math.ceil(src.length / blockLen);
  const counters = Buffer.allocUnsafe(blocks * blockLen);
  const ctr = Buffer.from(iv);
  for (let b = 0; b < blocks; b++) {
    ctr.copy(counters, b * blockLen);
    for (let i = blockLen - 1; i >= 0; i--) {
      ctr[i] = (ctr[i]! + 1) & 0xff;
      if (ctr[i] !== 0) break;
    }
  }
  const stream = ecb.encrypt(counters);
  for (let i = 0; i < src.length; i++) stream[i] = stream[i]! ^ src[i]!;
  return stream.subarray(0, src.length);
}

class TableCipher implements CipherEngine {
  private readonly ecb: EcbEngine | undefined;
  private readonly cbc: CbcEngine | undefined;
  private key: KeyObject | undefined;

  constructor(
    private readonly algorithm: CipherAlgorithm,
    private readonly nodeName: string,
    key: KeyObject,
  ) {
    const spec = CIPHER_SPECS[algorithm];
    this.key = key;
    if (spec.mode === 'ecb' || spec.mode === 'ctr-from-ecb') this.ecb = new EcbEngine(nodeName, key);
    if (spec.mode === 'cbc') this.cbc = new CbcEngine(nodeName, key, spec.blockLen);
  }

  run(direction: Direction, iv: Uint8Array, src: Uint8Array, dst?: Uint8Array): Uint8Array {
    validateRequest(this.algorithm, iv, src);
    const spec = CIPHER_SPECS[this.algorithm];
    try {
      switch (spec.mode) {
        case 'ecb':
          return direction === 'encrypt' ? this.ecb!.encrypt(src) : this.ecb!.decrypt(src);
        case 'cbc':
          return direction === 'encrypt' ? this.cbc!.encrypt(iv, src, dst) : this.cbc!.decrypt(iv, src);
        case 'ctr-from-ecb':
          return ctrFromEcb(this.ecb!, 8, iv, src);
        case 'stream':
          return this.oneShot(direction, iv, src);
      }
    } catch (e: unknown) {
      if (e instanceof BackendError) throw e;
      throw new BackendError('internal', `${this.algorithm} ${direction} failed in OpenSSL`, { cause: e });
    }
  }

  /** CTR, XTS and ARC4: one object per request (their state depends on the IV). */
  private oneShot(direction: Direction, iv: Uint8Array, src: Uint8Array): Buffer {
    if (this.key === undefined) throw new Error('cipher engine already released');
    const ivUsed = CIPHER_SPECS[this.algorithm].ivLen === 0 ? null : iv;
    const c =
      direction === 'encrypt'
        ? createCipheriv(this.nodeName, this.key, ivUsed)
        : createDecipheriv(this.nodeName, this.key, ivUsed);
    // Stream modes and XTS emit everything from update(); final() would only add a call.
    return c.setAutoPadding(false).update(src);
  }

  release(): void {
    this.ecb?.release();
    this.cbc?.release();
    this.key = undefined;
  }
}

/** Validates the key and imports it; throws BackendError. */
export function createCipherEngine(algorithm: CipherAlgorithm, key: Uint8Array): CipherEngine {
  validateKey(algorithm, key);
  const nodeName = CIPHER_SPECS[algorithm].nodeName(key.length);
  let keyObject: KeyObject;
  try {
    keyObject = createSecretKey(key);
  } catch (e: unknown) {
    throw new BackendError('internal', `${algorithm} key could not be imported`, { cause: e });
  }
  return new TableCipher(algorithm, nodeName, keyObject);
}
