// SPDX-License-Identifier: Apache-2.0
/**
 * Builds virtio-crypto requests the way guests do (the Linux driver's 72-byte legacy headers,
 * then keys / iv / src / aad segments in spec order; writable output then a status byte), and
 * lays them out as SegmentedRequest with a chosen descriptor layout. Used by unit tests, the
 * self-test and the project's frontend. Knows nothing of rings or vhost-user.
 */
import { VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_DATA_OP as DATA } from '../spec/virtio-crypto.js';
import type { SegmentedRequest } from '../crypto/segments.js';

/** A request before layout: readable fields in order, writable field lengths in order. */
export interface LogicalRequest {
  readonly readable: readonly Uint8Array[];
  readonly writable: readonly number[];
  /** Index of the readable field an in-place layout may alias with writable field 0 (cipher src). */
  readonly inPlaceField?: number;
}

export type Layout = 'per-field' | 'coalesced' | 'split' | 'in-place' | 'oversized';
export const LAYOUTS: readonly Layout[] = ['per-field', 'coalesced', 'split', 'in-place', 'oversized'];

function header(words: ReadonlyArray<readonly [offset: number, value: number | bigint]>): Uint8Array {
  const b = Buffer.alloc(72);
  for (const [off, v] of words) {
    if (typeof v === 'bigint') b.writeBigUInt64LE(v, off);
    else b.writeUInt32LE(v >>> 0, off);
  }
  return b;
}

export const ctrl = {
  cipherSession(algo: number, key: Uint8Array, op: number): LogicalRequest {
    return { readable: [header([[0, CTRL.VIRTIO_CRYPTO_CIPHER_CREATE_SESSION], [4, algo], [16, algo], [20, key.length], [24, op], [64, 1]]), key], writable: [16] };
  },
  chainSession(p: {
    order: number; hashMode: number; cipherAlgo: number; key: Uint8Array; op: number;
    authAlgo: number; resultLen: number; authKey: Uint8Array; aadLen: number;
  }): LogicalRequest {
    const h = header([
      [0, CTRL.VIRTIO_CRYPTO_CIPHER_CREATE_SESSION], [16, p.order], [20, p.hashMode], [24, p.cipherAlgo], [28, p.key.length],
      [32, p.op], [40, p.authAlgo], [44, p.resultLen], [48, p.authKey.length], [56, p.aadLen], [64, 2],
    ]);
    return { readable: p.hashMode === 2 ? [h, p.key, p.authKey] : [h, p.key], writable: [16] };
  },
  hashSession(algo: number, resultLen: number): LogicalRequest {
    return { readable: [header([[0, CTRL.VIRTIO_CRYPTO_HASH_CREATE_SESSION], [16, algo], [20, resultLen]])], writable: [16] };
  },
  macSession(algo: number, resultLen: number, key: Uint8Array): LogicalRequest {
    return { readable: [header([[0, CTRL.VIRTIO_CRYPTO_MAC_CREATE_SESSION], [16, algo], [20, resultLen], [24, key.length]]), key], writable: [16] };
  },
  aeadSession(algo: number, key: Uint8Array, tagLen: number, aadLen: number, op: number): LogicalRequest {
    return {
      readable: [header([[0, CTRL.VIRTIO_CRYPTO_AEAD_CREATE_SESSION], [16, algo], [20, key.length], [24, tagLen], [28, aadLen], [32, op]]), key],
      writable: [16],
    };
  },
  akcipherSession(algo: number, keyType: number, key: Uint8Array, para0: number, para1: number): LogicalRequest {
    return {
      readable: [header([[0, CTRL.VIRTIO_CRYPTO_AKCIPHER_CREATE_SESSION], [16, algo], [20, keyType], [24, key.length], [28, para0], [32, para1]]), key],
      writable: [16],
    };
  },
  destroy(opcode: number, sessionId: bigint): LogicalRequest {
    return { readable: [header([[0, opcode], [16, sessionId]])], writable: [1] };
  },
};

export const data = {
  cipher(sessionId: bigint, encrypt: boolean, iv: Uint8Array, src: Uint8Array): LogicalRequest {
    const op = encrypt ? DATA.VIRTIO_CRYPTO_CIPHER_ENCRYPT : DATA.VIRTIO_CRYPTO_CIPHER_DECRYPT;
    const h = header([[0, op], [8, sessionId], [24, iv.length], [28, src.length], [32, src.length], [64, 1]]);
    return { readable: [h, iv, src], writable: [src.length, 1], inPlaceField: 2 };
  },
  chain(p: {
    sessionId: bigint; encrypt: boolean; iv: Uint8Array; src: Uint8Array; aad: Uint8Array;
    cipherStart: number; cipherLen: number; hashStart: number; hashLen: number; resultLen: number;
  }): LogicalRequest {
    const op = p.encrypt ? DATA.VIRTIO_CRYPTO_CIPHER_ENCRYPT : DATA.VIRTIO_CRYPTO_CIPHER_DECRYPT;
    const h = header([
      [0, op], [8, p.sessionId], [24, p.iv.length], [28, p.src.length], [32, p.src.length], [36, p.cipherStart], [40, p.cipherLen],
      [44, p.hashStart], [48, p.hashLen], [52, p.aad.length], [56, p.resultLen], [64, 2],
    ]);
    return { readable: [h, p.iv, p.src, p.aad], writable: [p.src.length, p.resultLen, 1] };
  },
  hash(sessionId: bigint, src: Uint8Array, resultLen: number): LogicalRequest {
    return { readable: [header([[0, DATA.VIRTIO_CRYPTO_HASH], [8, sessionId], [24, src.length], [28, resultLen]]), src], writable: [resultLen, 1] };
  },
  mac(sessionId: bigint, src: Uint8Array, resultLen: number): LogicalRequest {
    return { readable: [header([[0, DATA.VIRTIO_CRYPTO_MAC], [8, sessionId], [24, src.length], [28, resultLen]]), src], writable: [resultLen, 1] };
  },
  aead(sessionId: bigint, encrypt: boolean, iv: Uint8Array, aad: Uint8Array, src: Uint8Array, dstLen: number): LogicalRequest {
    const op = encrypt ? DATA.VIRTIO_CRYPTO_AEAD_ENCRYPT : DATA.VIRTIO_CRYPTO_AEAD_DECRYPT;
    const h = header([[0, op], [8, sessionId], [24, iv.length], [28, aad.length], [32, src.length], [36, dstLen]]);
    return { readable: [h, iv, src, aad], writable: [dstLen, 1] };
  },
  akcipher(opcode: number, sessionId: bigint, src: Uint8Array, dstLen: number): LogicalRequest {
    return { readable: [header([[0, opcode], [4, 1], [8, sessionId], [24, src.length], [28, dstLen]]), src], writable: [dstLen, 1] };
  },
  verify(sessionId: bigint, signature: Uint8Array, digest: Uint8Array): LogicalRequest {
    const h = header([[0, DATA.VIRTIO_CRYPTO_AKCIPHER_VERIFY], [4, 1], [8, sessionId], [24, signature.length], [28, digest.length]]);
    return { readable: [h, signature, digest], writable: [1] };
  },
};

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
}

/** Deterministic split points so failures reproduce. */
function splitInto(bytes: Uint8Array, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let x = seed >>> 0 || 1;
  let at = 0;
  while (at < bytes.length) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = Math.min(bytes.length - at, 1 + (x % 23));
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Lays a logical request out as segments; the caller reads results with `response()`. */
export function layOut(req: LogicalRequest, layout: Layout, seed = 7): SegmentedRequest {
  const writableTotal = req.writable.reduce((a, b) => a + b, 0);
  switch (layout) {
    case 'per-field':
      return { readable: req.readable.map((f) => Buffer.from(f)), writable: req.writable.map((n) => new Uint8Array(n)) };
    case 'coalesced':
      return { readable: [concat(req.readable)], writable: [new Uint8Array(writableTotal)] };
    case 'split':
      return { readable: splitInto(concat(req.readable), seed), writable: splitInto(new Uint8Array(writableTotal), seed + 1) };
    case 'oversized': {
      // Like Linux: writable areas longer than needed, the status still the very last byte.
      const extra = new Uint8Array(writableTotal + 37);
      return { readable: [concat(req.readable), new Uint8Array(5)], writable: [extra] };
    }
    case 'in-place': {
      if (req.inPlaceField === undefined) return layOut(req, 'per-field');
      const fields = req.readable.map((f) => Buffer.from(f));
      const src = fields[req.inPlaceField]!;
      return { readable: fields, writable: [src, ...req.writable.slice(1).map((n) => new Uint8Array(n))] };
    }
  }
}

/** The output bytes (all writable bytes but the last) and the status byte. */
export function response(req: SegmentedRequest): { out: Uint8Array; status: number } {
  const all = concat(req.writable);
  return { out: all.subarray(0, Math.max(0, all.length - 1)), status: all[all.length - 1] ?? -1 };
}

/** The 16-byte session_input of a create: session id and status. */
export function sessionInput(req: SegmentedRequest): { sessionId: bigint; status: number } {
  const all = Buffer.from(concat(req.writable));
  return { sessionId: all.readBigUInt64LE(0), status: all.readUInt32LE(8) };
}

/** A fixed header of `len` bytes with little-endian u32 words at the given offsets. */
function fixedHeader(len: number, words: ReadonlyArray<readonly [offset: number, value: number]>): Buffer {
  const b = Buffer.alloc(len);
  for (const [off, v] of words) b.writeUInt32LE(v >>> 0, off);
  return b;
}

/** op_flf sizes with VIRTIO_CRYPTO_F_REVISION_1 (spec "Control Virtqueue", "Data Virtqueue"). */
const REV1_CTRL_FLF: Readonly<Record<number, number>> = {
  [CTRL.VIRTIO_CRYPTO_CIPHER_CREATE_SESSION]: 56, [CTRL.VIRTIO_CRYPTO_HASH_CREATE_SESSION]: 8,
  [CTRL.VIRTIO_CRYPTO_MAC_CREATE_SESSION]: 16, [CTRL.VIRTIO_CRYPTO_AEAD_CREATE_SESSION]: 24,
  [CTRL.VIRTIO_CRYPTO_AKCIPHER_CREATE_SESSION]: 56,
};
const REV1_DATA_FLF_BY_SERVICE = [48, 8, 8, 24, 8] as const;

/**
 * The same requests as `ctrl` and `data` in the layouts a driver that acked REVISION_1 sends:
 * unpadded op_flf, and data headers with VIRTIO_CRYPTO_FLAG_SESSION_MODE in `flag`.
 */
export const revision1 = {
  ctrl(req: LogicalRequest): LogicalRequest {
    const h = Buffer.from(req.readable[0]!);
    const flf = REV1_CTRL_FLF[h.readUInt32LE(0)] ?? 8; // every destroy: le64 session_id
    return { ...req, readable: [h.subarray(0, 16 + flf), ...req.readable.slice(1)] };
  },
  data(req: LogicalRequest): LogicalRequest {
    const h = Buffer.from(req.readable[0]!);
    h.writeUInt32LE(1, 16);
    const flf = REV1_DATA_FLF_BY_SERVICE[h.readUInt32LE(0) >>> 8] ?? 48;
    return { ...req, readable: [h.subarray(0, 24 + flf), ...req.readable.slice(1)] };
  },
};

/**
 * Stateless requests (REVISION_1 + the service's *_STATELESS_MODE bit, header `flag` 0): the
 * session parameters in the op_flf, the keys first among the variable-length fields. Header
 * byte offsets below are absolute (the op_flf starts at 24).
 */
export const stateless = {
  cipher(algo: number, key: Uint8Array, encrypt: boolean, iv: Uint8Array, src: Uint8Array): LogicalRequest {
    const op = encrypt ? DATA.VIRTIO_CRYPTO_CIPHER_ENCRYPT : DATA.VIRTIO_CRYPTO_CIPHER_DECRYPT;
    const h = fixedHeader(100, [[0, op], [4, algo], [24, algo], [28, key.length], [32, encrypt ? 1 : 2], [36, iv.length], [40, src.length], [44, src.length], [96, 1]]);
    return { readable: [h, key, iv, src], writable: [src.length, 1], inPlaceField: 3 };
  },
  chain(p: {
    order: number; hashMode: number; cipherAlgo: number; key: Uint8Array; encrypt: boolean; authAlgo: number; authKey: Uint8Array;
    iv: Uint8Array; aad: Uint8Array; src: Uint8Array; cipherStart: number; cipherLen: number; hashStart: number; hashLen: number; resultLen: number;
  }): LogicalRequest {
    const op = p.encrypt ? DATA.VIRTIO_CRYPTO_CIPHER_ENCRYPT : DATA.VIRTIO_CRYPTO_CIPHER_DECRYPT;
    const h = fixedHeader(100, [
      [0, op], [4, p.cipherAlgo], [24, p.order], [28, p.aad.length], [32, p.cipherAlgo], [36, p.key.length], [40, p.encrypt ? 1 : 2],
      [44, p.authAlgo], [48, p.authKey.length], [52, p.hashMode], [56, p.iv.length], [60, p.src.length], [64, p.src.length],
      [68, p.cipherStart], [72, p.cipherLen], [76, p.hashStart], [80, p.hashLen], [84, p.aad.length], [88, p.resultLen], [96, 2],
    ]);
    return { readable: [h, p.key, p.authKey, p.iv, p.aad, p.src], writable: [p.src.length, p.resultLen, 1] };
  },
  hash(algo: number, src: Uint8Array, resultLen: number): LogicalRequest {
    const h = fixedHeader(40, [[0, DATA.VIRTIO_CRYPTO_HASH], [4, algo], [24, algo], [28, src.length], [32, resultLen]]);
    return { readable: [h, src], writable: [resultLen, 1] };
  },
  mac(algo: number, key: Uint8Array, src: Uint8Array, resultLen: number): LogicalRequest {
    const h = fixedHeader(40, [[0, DATA.VIRTIO_CRYPTO_MAC], [4, algo], [24, algo], [28, key.length], [32, src.length], [36, resultLen]]);
    return { readable: [h, key, src], writable: [resultLen, 1] };
  },
  aead(p: { algo: number; key: Uint8Array; encrypt: boolean; iv: Uint8Array; aad: Uint8Array; src: Uint8Array; tagLen: number; dstLen: number }): LogicalRequest {
    const op = p.encrypt ? DATA.VIRTIO_CRYPTO_AEAD_ENCRYPT : DATA.VIRTIO_CRYPTO_AEAD_DECRYPT;
    const h = fixedHeader(56, [
      [0, op], [4, p.algo], [24, p.algo], [28, p.key.length], [32, p.encrypt ? 1 : 2], [36, p.iv.length], [40, p.tagLen],
      [44, p.aad.length], [48, p.src.length], [52, p.dstLen],
    ]);
    return { readable: [h, p.key, p.iv, p.src, p.aad], writable: [p.dstLen, 1] };
  },
  /** VERIFY: src is the signature, `digest` follows it, and only a status is written. */
  akcipher(p: { opcode: number; algo: number; keyType: number; key: Uint8Array; para0: number; para1: number; src: Uint8Array; dstLen: number; digest?: Uint8Array }): LogicalRequest {
    const dstLen = p.digest?.length ?? p.dstLen;
    const h = fixedHeader(52, [[0, p.opcode], [4, p.algo], [24, p.algo], [28, p.keyType], [32, p.key.length], [36, p.para0], [40, p.para1], [44, p.src.length], [48, dstLen]]);
    return p.digest === undefined ? { readable: [h, p.key, p.src], writable: [dstLen, 1] } : { readable: [h, p.key, p.src, p.digest], writable: [1] };
  },
};
