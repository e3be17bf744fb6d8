// SPDX-License-Identifier: Apache-2.0
/**
 * Data-queue requests once the driver acked VIRTIO_CRYPTO_F_REVISION_1 (virtio spec "Crypto
 * Device / Device Operation / Data Virtqueue" and each service's "Stateless mode ... requests"):
 * - header `flag` has VIRTIO_CRYPTO_FLAG_SESSION_MODE: session mode with the unpadded op_flf
 *   (sym 48, hash 8, mac 8, aead 24, akcipher 8 bytes instead of 48 for all);
 * - `flag` clear: stateless mode, allowed only for a service whose *_STATELESS_MODE bit was acked
 *   (otherwise NOTSUPP). The session parameters ride in a longer op_flf (sym 76, hash 16, mac 16,
 *   aead 32, akcipher 28) and the keys lead the variable-length fields. They become the same
 *   CreateSessionRequest the control queue builds, run on a transient session that is closed (the
 *   backend wipes its key copy) after the request; a key copy of ours is zeroed too.
 * Stateless requests never give INVSESS. Re-expresses every header in the legacy-padded offsets so
 * data-request.ts executes it. Knows nothing of vhost-user; never throws on guest input.
 */
import type { CryptoBackend } from '../backends/types.js';
import { VIRTIO_CRYPTO_FLAG_SESSION_MODE, VIRTIO_CRYPTO_DATA_REQ_LEN, VIRTIO_CRYPTO_STATUS as S, VIRTIO_CRYPTO_SYM_OP as SYM } from '../spec/virtio-crypto.js';
import { ok, type Result } from '../util/result.js';
import type { KeyLimits } from './ctrl-request.js';
import { finish, nameOpcode, newOutcome, runOnSession, type DataCtx, type DataOutcome } from './data-request.js';
import { RequestReader, u32, u64, type SegmentedRequest } from './segments.js';
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
import type { SessionTable } from './session-table.js';

/** struct virtio_crypto_op_header. */
const OP_HEADER_LEN = 24;

/** op_flf sizes with REVISION_1, by service name (data-request.ts names). */
const SESSION_FLF_LEN: Readonly<Record<string, number>> = { cipher: 48, hash: 8, mac: 8, aead: 24, akcipher: 8 };
const STATELESS_FLF_LEN: Readonly<Record<string, number>> = { cipher: 76, hash: 16, mac: 16, aead: 32, akcipher: 28 };

/** A stateless request re-expressed: its session, a legacy-offset header, and the keys it read. */
interface Stateless {
  readonly session: CreateSessionRequest;
  readonly h: Uint8Array;
  readonly keys: readonly Uint8Array[];
  readonly aadFirst: boolean;
}

/** The 72-byte legacy header: op_header, then the given fields at absolute offsets. */
function legacyHeader(op: Uint8Array, fields: ReadonlyArray<readonly [offset: number, value: number]>): Uint8Array {
  const h = Buffer.alloc(VIRTIO_CRYPTO_DATA_REQ_LEN);
  h.set(op, 0);
  for (const [off, v] of fields) h.writeUInt32LE(v >>> 0, off);
  return h;
}

/** Reads the keys that lead the stateless vlf, refusing lengths over the advertised maxima. */
function takeKeys(r: RequestReader, lens: ReadonlyArray<readonly [len: number, max: number]>, maxSize: number): Result<Uint8Array[], Refusal> {
  let total = 0;
  for (const [len, max] of lens) {
    if (len > max) return refuse(S.VIRTIO_CRYPTO_ERR, `stateless key of ${len} bytes exceeds the advertised ${max}`);
    total += len;
  }
  if (total > maxSize) return refuse(S.VIRTIO_CRYPTO_ERR, `stateless keys of ${total} bytes exceed max_size`);
  const keys: Uint8Array[] = [];
  for (const [len] of lens) {
    const k = r.take(len);
    if (k === null) return refuse(S.VIRTIO_CRYPTO_BADMSG, `stateless key of ${len} bytes is longer than the chain`);
    keys.push(k);
  }
  return ok(keys);
}

function parseSym(op: Uint8Array, f: Uint8Array, r: RequestReader, limits: KeyLimits, maxSize: number): Result<Stateless, Refusal> {
  const opType = u32(f, 72);
  if (opType === SYM.VIRTIO_CRYPTO_SYM_OP_CIPHER) {
    // virtio_crypto_cipher_data_flf_stateless: sess_para{algo@0 key_len@4 op@8} iv_len@12 src@16 dst@20.
    const keys = takeKeys(r, [[u32(f, 4), limits.maxCipherKeyLen]], maxSize);
    if (!keys.ok) return keys;
    const fields = { opType, cipherAlgo: u32(f, 0), cipherOp: u32(f, 8), chainOrder: 0, hashMode: 0, authAlgo: 0, hashResultLen: 0, aadLen: 0 };
    const session = symSessionRequest(fields, keys.value[0]!, new Uint8Array(0));
    if (!session.ok) return session;
    const h = legacyHeader(op, [[24, u32(f, 12)], [28, u32(f, 16)], [32, u32(f, 20)]]);
    return ok({ session: session.value, h, keys: keys.value, aadFirst: false });
  }
  if (opType !== SYM.VIRTIO_CRYPTO_SYM_OP_ALGORITHM_CHAINING) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `symmetric op type ${opType} is not supported`);
  // virtio_crypto_alg_chain_data_flf_stateless: sess_para{order@0 aad_len@4 cipher{algo@8 key_len@12 op@16}
  // hash{algo@20 auth_key_len@24 hash_mode@28}} then the session-mode chain fields at 32..67.
  const aadLen = u32(f, 60);
  if (u32(f, 4) !== aadLen) return refuse(S.VIRTIO_CRYPTO_BADMSG, 'stateless chain: session aad_len disagrees with the request aad_len');
  const keys = takeKeys(r, [[u32(f, 12), limits.maxCipherKeyLen], [u32(f, 24), limits.maxAuthKeyLen]], maxSize);
  if (!keys.ok) return keys;
  const fields = {
    opType,
    cipherAlgo: u32(f, 8),
    cipherOp: u32(f, 16),
    chainOrder: u32(f, 0),
    hashMode: u32(f, 28),
    authAlgo: u32(f, 20),
    hashResultLen: u32(f, 64),
    aadLen,
  };
  const session = symSessionRequest(fields, keys.value[0]!, keys.value[1]!);
  if (!session.ok) return session;
  // Legacy chain fields iv_len@24 .. hash_result_len@56 are the stateless ones at flf 32 .. 64.
  const h = legacyHeader(op, Array.from({ length: 9 }, (_, i) => [24 + 4 * i, u32(f, 32 + 4 * i)] as const));
  return ok({ session: session.value, h, keys: keys.value, aadFirst: true });
}

/** Parses one service's stateless op_flf (`f`, already read) and its keys. */
function parseStateless(service: string, op: Uint8Array, f: Uint8Array, r: RequestReader, limits: KeyLimits, maxSize: number): Result<Stateless, Refusal> {
  const done = (session: Result<CreateSessionRequest, Refusal>, keys: readonly Uint8Array[], h: Uint8Array): Result<Stateless, Refusal> =>
    session.ok ? ok({ session: session.value, h, keys, aadFirst: false }) : session;
  switch (service) {
    case 'cipher':
      return parseSym(op, f, r, limits, maxSize);
    case 'hash':
      // sess_para{algo@0} src_data_len@4 hash_result_len@8 reserved@12.
      return done(hashSessionRequest(u32(f, 0), u32(f, 8)), [], legacyHeader(op, [[24, u32(f, 4)], [28, u32(f, 8)]]));
    case 'mac': {
      // sess_para{algo@0 auth_key_len@4} src_data_len@8 hash_result_len@12.
      const keys = takeKeys(r, [[u32(f, 4), limits.maxAuthKeyLen]], maxSize);
      if (!keys.ok) return keys;
      return done(macSessionRequest(u32(f, 0), u32(f, 12), keys.value[0]!), keys.value, legacyHeader(op, [[24, u32(f, 8)], [28, u32(f, 12)]]));
    }
    case 'aead': {
      // sess_para{algo@0 key_len@4 op@8} iv_len@12 tag_len@16 aad_len@20 src@24 dst@28.
      const keys = takeKeys(r, [[u32(f, 4), limits.maxCipherKeyLen]], maxSize);
      if (!keys.ok) return keys;
      const session = aeadSessionRequest(u32(f, 0), u32(f, 16), u32(f, 20), u32(f, 8), keys.value[0]!);
      return done(session, keys.value, legacyHeader(op, [[24, u32(f, 12)], [28, u32(f, 20)], [32, u32(f, 24)], [36, u32(f, 28)]]));
    }
    default: {
      // akcipher: sess_para{algo@0 key_type@4 key_len@8 rsa{padding@12 hash@16} | ecdsa{curve@12}} src@20 dst@24.
      const keys = takeKeys(r, [[u32(f, 8), limits.maxAkcipherKeyLen]], maxSize);
      if (!keys.ok) return keys;
      const session = akcipherSessionRequest(u32(f, 0), u32(f, 4), u32(f, 12), u32(f, 16), keys.value[0]!);
      return done(session, keys.value, legacyHeader(op, [[24, u32(f, 20)], [28, u32(f, 24)]]));
    }
  }
}

export interface Revision1Options {
  readonly sessions: SessionTable;
  readonly backend: CryptoBackend;
  readonly maxSize: number;
  readonly limits: KeyLimits;
  /** Acked device feature bits 0..5: bit n+1 allows stateless requests of service n. */
  readonly ackedFeatures: number;
}

/** Executes one data request of a driver that acked REVISION_1. Returns the outcome; never throws. */
export function executeRevision1DataRequest(req: SegmentedRequest, o: Revision1Options): DataOutcome {
  const reader = new RequestReader(req.readable);
  const out = newOutcome();
  const base = { req, reader, backend: o.backend, maxSize: o.maxSize, out };
  const fail = (status: number): DataOutcome => finish({ ...base, h: new Uint8Array(0) }, status);
  const op = reader.take(OP_HEADER_LEN);
  if (op === null) return fail(S.VIRTIO_CRYPTO_BADMSG);
  const opcode = u32(op, 0);
  if (!nameOpcode(out, opcode)) return fail(S.VIRTIO_CRYPTO_NOTSUPP);
  if ((u32(op, 16) & VIRTIO_CRYPTO_FLAG_SESSION_MODE) !== 0) {
    const flf = reader.take(SESSION_FLF_LEN[out.service]!);
    if (flf === null) return fail(S.VIRTIO_CRYPTO_BADMSG);
    const s = o.sessions.get(u64(op, 8));
    if (s === undefined) return fail(S.VIRTIO_CRYPTO_INVSESS);
    const h = Buffer.alloc(VIRTIO_CRYPTO_DATA_REQ_LEN);
    h.set(op, 0);
    h.set(flf, OP_HEADER_LEN);
    return runOnSession({ ...base, h }, s);
  }
  const serviceBit = (opcode >>> 8) + 1;
  if (((o.ackedFeatures >>> serviceBit) & 1) === 0) return fail(S.VIRTIO_CRYPTO_NOTSUPP);
  const flf = reader.take(STATELESS_FLF_LEN[out.service]!);
  if (flf === null) return fail(S.VIRTIO_CRYPTO_BADMSG);
  const parsed = parseStateless(out.service, op, flf, reader, o.limits, o.maxSize);
  if (!parsed.ok) return fail(parsed.error.status);
  const s = o.sessions.open(parsed.value.session);
  if (typeof s === 'number') {
    wipePrivateCopies(req, parsed.value.keys);
    return fail(s);
  }
  try {
    const c: DataCtx = { ...base, h: parsed.value.h, aadFirst: parsed.value.aadFirst };
    return runOnSession(c, s);
  } finally {
    o.sessions.close(s);
    wipePrivateCopies(req, parsed.value.keys);
  }
}

/**
 * Zeroes the keys RequestReader copied because they spanned descriptors. A key that is a view of
 * guest memory is the guest's own readable buffer: the device never writes there.
 */
function wipePrivateCopies(req: SegmentedRequest, keys: readonly Uint8Array[]): void {
  for (const k of keys) if (!req.readable.some((v) => v.buffer === k.buffer)) k.fill(0);
}
