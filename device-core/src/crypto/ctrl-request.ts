// SPDX-License-Identifier: Apache-2.0
/**
 * Parses control-queue requests (virtio spec "Crypto Device / Device Operation / Control
 * Virtqueue / Session operation"): the 72-byte legacy-padded header (16-byte ctrl_header plus a
 * 56-byte union), or the unpadded REVISION_1 one, followed by key bytes, in the order the spec fixes. Returns a result, never
 * throws on guest input. Knows nothing of vhost-user or backends.
 */
import { VIRTIO_CRYPTO_CTRL_OP as OP, VIRTIO_CRYPTO_CTRL_REQ_LEN, VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import { ok, type Result } from '../util/result.js';
import { RequestReader, u32, u64 } from './segments.js';
import {
  aeadSessionRequest,
  akcipherSessionRequest,
  hashSessionRequest,
  macSessionRequest,
  refuse,
  symSessionRequest,
  type CreateSessionRequest,
  type Refusal,
} from './session-request.js';

export type CtrlRequest =
  | { readonly kind: 'create'; readonly session: CreateSessionRequest }
  | { readonly kind: 'destroy'; readonly sessionId: bigint };

export interface KeyLimits {
  readonly maxCipherKeyLen: number;
  readonly maxAuthKeyLen: number;
  readonly maxAkcipherKeyLen: number;
}

const DESTROY_OPS: ReadonlySet<number> = new Set([
  OP.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION,
  OP.VIRTIO_CRYPTO_HASH_DESTROY_SESSION,
  OP.VIRTIO_CRYPTO_MAC_DESTROY_SESSION,
  OP.VIRTIO_CRYPTO_AEAD_DESTROY_SESSION,
  OP.VIRTIO_CRYPTO_AKCIPHER_DESTROY_SESSION,
]);

function takeKey(r: RequestReader, len: number, max: number, what: string): Result<Uint8Array, Refusal> {
  if (len > max) return refuse(S.VIRTIO_CRYPTO_ERR, `${what} key of ${len} bytes exceeds the advertised ${max}`);
  const key = r.take(len);
  if (key === null) return refuse(S.VIRTIO_CRYPTO_BADMSG, `${what} key of ${len} bytes is longer than the chain`);
  return ok(key);
}

/**
 * With VIRTIO_CRYPTO_F_REVISION_1 the op_flf after the 16-byte ctrl_header has its struct's own
 * size instead of being padded to 56 (spec "Control Virtqueue"): sym 56, hash 8, mac 16, aead 24,
 * akcipher 56, destroy 8.
 */
const CTRL_HEADER_LEN = 16;
const REVISION_1_FLF_LEN: ReadonlyMap<number, number> = new Map([
  [OP.VIRTIO_CRYPTO_CIPHER_CREATE_SESSION, 56],
  [OP.VIRTIO_CRYPTO_HASH_CREATE_SESSION, 8],
  [OP.VIRTIO_CRYPTO_MAC_CREATE_SESSION, 16],
  [OP.VIRTIO_CRYPTO_AEAD_CREATE_SESSION, 24],
  [OP.VIRTIO_CRYPTO_AKCIPHER_CREATE_SESSION, 56],
  ...[...DESTROY_OPS].map((op) => [op, 8] as const),
]);

/** The header as the legacy-padded 72 bytes (REVISION_1 headers are copied into zeroed padding). */
function takeHeader(reader: RequestReader, revision1: boolean): Result<Uint8Array, Refusal> {
  if (!revision1) {
    const h = reader.take(VIRTIO_CRYPTO_CTRL_REQ_LEN);
    return h === null ? refuse(S.VIRTIO_CRYPTO_BADMSG, `control request shorter than ${VIRTIO_CRYPTO_CTRL_REQ_LEN} bytes`) : ok(h);
  }
  const head = reader.take(CTRL_HEADER_LEN);
  if (head === null) return refuse(S.VIRTIO_CRYPTO_BADMSG, `control request shorter than ${CTRL_HEADER_LEN} bytes`);
  const flfLen = REVISION_1_FLF_LEN.get(u32(head, 0));
  if (flfLen === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `control opcode 0x${u32(head, 0).toString(16)} is not supported`);
  const flf = reader.take(flfLen);
  if (flf === null) return refuse(S.VIRTIO_CRYPTO_BADMSG, `control request shorter than its ${flfLen}-byte op_flf`);
  const h = new Uint8Array(VIRTIO_CRYPTO_CTRL_REQ_LEN);
  h.set(head, 0);
  h.set(flf, CTRL_HEADER_LEN);
  return ok(h);
}

export function parseCtrlRequest(reader: RequestReader, limits: KeyLimits, revision1 = false): Result<CtrlRequest, Refusal> {
  const header = takeHeader(reader, revision1);
  if (!header.ok) return header;
  const h = header.value;
  const opcode = u32(h, 0);
  if (DESTROY_OPS.has(opcode)) return ok({ kind: 'destroy', sessionId: u64(h, 16) });
  const wrap = (r: Result<CreateSessionRequest, Refusal>): Result<CtrlRequest, Refusal> =>
    r.ok ? ok({ kind: 'create', session: r.value }) : r;
  switch (opcode) {
    case OP.VIRTIO_CRYPTO_CIPHER_CREATE_SESSION: {
      const opType = u32(h, 64);
      const chaining = opType === 2;
      // cipher-only: algo@16 keylen@20 op@24; chaining: order@16 mode@20 cipher{algo@24 keylen@28 op@32}
      // hash/mac{algo@40 result@44 authkey@48} aad@56.
      const base = chaining ? 24 : 16;
      const keyLen = u32(h, base + 4);
      const hashMode = chaining ? u32(h, 20) : 0;
      const authKeyLen = chaining && hashMode === 2 ? u32(h, 48) : 0;
      const key = takeKey(reader, keyLen, limits.maxCipherKeyLen, 'cipher');
      if (!key.ok) return key;
      const authKey = takeKey(reader, authKeyLen, limits.maxAuthKeyLen, 'auth');
      if (!authKey.ok) return authKey;
      const fields = {
        opType,
        cipherAlgo: u32(h, base),
        cipherOp: u32(h, base + 8),
        chainOrder: chaining ? u32(h, 16) : 0,
        hashMode,
        authAlgo: chaining ? u32(h, 40) : 0,
        hashResultLen: chaining ? u32(h, 44) : 0,
        aadLen: chaining ? u32(h, 56) : 0,
      };
      return wrap(symSessionRequest(fields, key.value, authKey.value));
    }
    case OP.VIRTIO_CRYPTO_HASH_CREATE_SESSION:
      return wrap(hashSessionRequest(u32(h, 16), u32(h, 20)));
    case OP.VIRTIO_CRYPTO_MAC_CREATE_SESSION: {
      const key = takeKey(reader, u32(h, 24), limits.maxAuthKeyLen, 'mac');
      return key.ok ? wrap(macSessionRequest(u32(h, 16), u32(h, 20), key.value)) : key;
    }
    case OP.VIRTIO_CRYPTO_AEAD_CREATE_SESSION: {
      const key = takeKey(reader, u32(h, 20), limits.maxCipherKeyLen, 'aead');
      return key.ok ? wrap(aeadSessionRequest(u32(h, 16), u32(h, 24), u32(h, 28), u32(h, 32), key.value)) : key;
    }
    case OP.VIRTIO_CRYPTO_AKCIPHER_CREATE_SESSION: {
      const key = takeKey(reader, u32(h, 24), limits.maxAkcipherKeyLen, 'akcipher');
      return key.ok ? wrap(akcipherSessionRequest(u32(h, 16), u32(h, 20), u32(h, 28), u32(h, 32), key.value)) : key;
    }
    default:
      return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `control opcode 0x${opcode.toString(16)} is not supported`);
  }
}
