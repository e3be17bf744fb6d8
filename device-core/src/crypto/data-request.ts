// SPDX-License-Identifier: Apache-2.0
/**
 * Executes data-queue requests (virtio spec "Crypto Device / Device Operation / Data Virtqueue"),
 * legacy-padded 72-byte header: op_header (opcode@0, algo@4, session_id@8, flag@16) then the
 * per-service union. Readable segments in spec order after the header; writable segments are the
 * output then the status byte, which is the last writable byte. Every input is read before any
 * output is written (in-place requests). Returns the used length; never throws on guest input.
 * Knows nothing of vhost-user; backends only through the session table.
 */
import type { BackendError, CryptoBackend, CryptoOp } from '../backends/types.js';
import { VIRTIO_CRYPTO_DATA_OP as OP, VIRTIO_CRYPTO_DATA_REQ_LEN, VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import type { Result } from '../util/result.js';
import { RequestReader, totalLength, u32, u64, writeAt, writeStatusLast, type SegmentedRequest } from './segments.js';
import type { DeviceSession, SessionTable } from './session-table.js';
import { statusForBackendError } from './status.js';

export interface DataOutcome {
  status: number;
  usedLen: number;
  service: string;
  operation: string;
  algorithm: string;
  bytesIn: number;
  bytesOut: number;
}

/** One request in flight: `h` holds the header with the legacy-padded field offsets. */
export interface DataCtx {
  readonly req: SegmentedRequest;
  readonly reader: RequestReader;
  readonly h: Uint8Array;
  readonly backend: CryptoBackend;
  readonly maxSize: number;
  readonly out: DataOutcome;
  /** Stateless chaining sends aad before src (session mode: src, then aad). */
  readonly aadFirst?: boolean;
}
type Ctx = DataCtx;

const SERVICE_OF: Record<number, [string, string]> = {
  [OP.VIRTIO_CRYPTO_CIPHER_ENCRYPT]: ['cipher', 'encrypt'],
  [OP.VIRTIO_CRYPTO_CIPHER_DECRYPT]: ['cipher', 'decrypt'],
  [OP.VIRTIO_CRYPTO_HASH]: ['hash', 'hash'],
  [OP.VIRTIO_CRYPTO_MAC]: ['mac', 'mac'],
  [OP.VIRTIO_CRYPTO_AEAD_ENCRYPT]: ['aead', 'encrypt'],
  [OP.VIRTIO_CRYPTO_AEAD_DECRYPT]: ['aead', 'decrypt'],
  [OP.VIRTIO_CRYPTO_AKCIPHER_ENCRYPT]: ['akcipher', 'encrypt'],
  [OP.VIRTIO_CRYPTO_AKCIPHER_DECRYPT]: ['akcipher', 'decrypt'],
  [OP.VIRTIO_CRYPTO_AKCIPHER_SIGN]: ['akcipher', 'sign'],
  [OP.VIRTIO_CRYPTO_AKCIPHER_VERIFY]: ['akcipher', 'verify'],
};

/** Finishes a request: writes the status as the last writable byte, returns the outcome. */
export function finish(c: Ctx, status: number, usedLen?: number): DataOutcome {
  const writable = writeStatusLast(c.req.writable, status);
  c.out.status = status;
  c.out.usedLen = writable === 0 ? 0 : (usedLen ?? writable);
  return c.out;
}

/** The iv of a MAC that takes none: shared, it has no bytes to write. */
const NO_IV = new Uint8Array(0);

function backendStatus(e: BackendError): number {
  return statusForBackendError(e.kind);
}

/** Reads fields in order; null when the chain is shorter than the header says. */
function takeAll(c: Ctx, lens: readonly number[]): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  for (const n of lens) {
    const v = c.reader.take(n);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/** Output bytes plus the status byte must fit the writable area. */
function fits(c: Ctx, outLen: number): boolean {
  return totalLength(c.req.writable) >= outLen + 1;
}

function run(c: Ctx, s: { b: import('../backends/types.js').BackendSession }, op: CryptoOp): Result<Uint8Array, BackendError> {
  return c.backend.run(s.b, op);
}

function cipherOnly(c: Ctx, s: Extract<DeviceSession, { kind: 'cipher' }>, encrypt: boolean): DataOutcome {
  const ivLen = u32(c.h, 24);
  const srcLen = u32(c.h, 28);
  const dstLen = u32(c.h, 32);
  if (ivLen + srcLen + dstLen > c.maxSize) return finish(c, S.VIRTIO_CRYPTO_ERR);
  if (dstLen < srcLen || !fits(c, srcLen)) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  const iv = c.reader.take(ivLen);
  const src = c.reader.take(srcLen);
  if (iv === null || src === null) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  c.out.bytesIn = srcLen;
  const direction = encrypt ? 'encrypt' : 'decrypt';
  const dst = encrypt ? c.req.writable[0] : undefined;
  // Two literals, not a spread of an optional dst: a spread builds a throwaway object per request.
  const r = run(c, s, dst === undefined ? { kind: 'cipher', direction, iv, src } : { kind: 'cipher', direction, iv, src, dst });
  if (!r.ok) return finish(c, backendStatus(r.error));
  writeAt(c.req.writable, 0, r.value);
  c.out.bytesOut = r.value.length;
  return finish(c, S.VIRTIO_CRYPTO_OK);
}

function chained(c: Ctx, s: Extract<DeviceSession, { kind: 'chain' }>, encrypt: boolean): DataOutcome {
  const h = c.h;
  const [ivLen, srcLen, dstLen] = [u32(h, 24), u32(h, 28), u32(h, 32)];
  const [cStart, cLen, hStart, hLen, aadLen, resLen] = [u32(h, 36), u32(h, 40), u32(h, 44), u32(h, 48), u32(h, 52), u32(h, 56)];
  if (ivLen + srcLen + dstLen + aadLen + resLen > c.maxSize) return finish(c, S.VIRTIO_CRYPTO_ERR);
  if (cStart + cLen > srcLen || hStart + hLen > srcLen || dstLen < srcLen || resLen !== s.auth.resultLen) {
    return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  }
  if (!fits(c, dstLen + resLen)) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  const f = takeAll(c, c.aadFirst === true ? [ivLen, aadLen, srcLen] : [ivLen, srcLen, aadLen]);
  if (f === null) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  const [iv, src] = [f[0]!, f[c.aadFirst === true ? 2 : 1]!];
  c.out.bytesIn = srcLen;
  // dst is src with the cipher range replaced; copy first, src may alias the writable area.
  const dst = Buffer.from(src);
  const authOf = (data: Uint8Array): Result<Uint8Array, BackendError> =>
    c.backend.run(s.auth.b, s.auth.kind === 'hash' ? { kind: 'hash', src: data } : { kind: 'mac', src: data, iv });
  let tag: Uint8Array | undefined;
  if (s.order === 'hash-then-cipher') {
    const t = authOf(src.subarray(hStart, hStart + hLen));
    if (!t.ok) return finish(c, backendStatus(t.error));
    tag = t.value;
  }
  const r = c.backend.run(s.cipher, { kind: 'cipher', direction: encrypt ? 'encrypt' : 'decrypt', iv, src: src.subarray(cStart, cStart + cLen) });
  if (!r.ok) return finish(c, backendStatus(r.error));
  dst.set(r.value, cStart);
  if (s.order === 'cipher-then-hash') {
    const t = authOf(dst.subarray(hStart, hStart + hLen));
    if (!t.ok) return finish(c, backendStatus(t.error));
    tag = t.value;
  }
  writeAt(c.req.writable, 0, dst);
  writeAt(c.req.writable, dstLen, tag!);
  c.out.bytesOut = dst.length + tag!.length;
  return finish(c, S.VIRTIO_CRYPTO_OK);
}

function digest(c: Ctx, s: Extract<DeviceSession, { kind: 'hash' | 'mac' }>): DataOutcome {
  const srcLen = u32(c.h, 24);
  const resLen = u32(c.h, 28);
  if (srcLen + resLen > c.maxSize) return finish(c, S.VIRTIO_CRYPTO_ERR);
  if (resLen !== s.resultLen || !fits(c, resLen)) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  const src = c.reader.take(srcLen);
  if (src === null) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  c.out.bytesIn = srcLen;
  // GMAC takes its 12-byte nonce as the first bytes of the data: the MAC request has no IV field.
  const gmac = s.algorithm === 'gmac-aes';
  if (gmac && srcLen < 12) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  const op: CryptoOp =
    s.kind === 'hash' ? { kind: 'hash', src } : gmac ? { kind: 'mac', iv: src.subarray(0, 12), src: src.subarray(12) } : { kind: 'mac', src, iv: NO_IV };
  const r = run(c, s, op);
  if (!r.ok) return finish(c, backendStatus(r.error));
  writeAt(c.req.writable, 0, r.value);
  c.out.bytesOut = r.value.length;
  return finish(c, S.VIRTIO_CRYPTO_OK);
}

function aead(c: Ctx, s: Extract<DeviceSession, { kind: 'aead' }>, encrypt: boolean): DataOutcome {
  const ivLen = u32(c.h, 24);
  const aadLen = u32(c.h, 28);
  const srcLen = u32(c.h, 32);
  const dstLen = u32(c.h, 36);
  if (ivLen + aadLen + srcLen + dstLen > c.maxSize) return finish(c, S.VIRTIO_CRYPTO_ERR);
  const outLen = encrypt ? srcLen + s.tagLen : srcLen - s.tagLen;
  if (outLen < 0 || dstLen < outLen || !fits(c, outLen)) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  const iv = c.reader.take(ivLen);
  const src = c.reader.take(srcLen);
  const aad = c.reader.take(aadLen);
  if (iv === null || src === null || aad === null) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  c.out.bytesIn = srcLen;
  const direction = encrypt ? 'encrypt' : 'decrypt';
  // Sealing may write straight into the first writable view when the whole output fits there.
  const dst = encrypt ? c.req.writable[0] : undefined;
  const r = run(c, s, dst === undefined ? { kind: 'aead', direction, iv, src, aad } : { kind: 'aead', direction, iv, src, aad, dst });
  if (!r.ok) return finish(c, backendStatus(r.error));
  writeAt(c.req.writable, 0, r.value);
  c.out.bytesOut = r.value.length;
  return finish(c, S.VIRTIO_CRYPTO_OK);
}

function akcipher(c: Ctx, s: Extract<DeviceSession, { kind: 'akcipher' }>, operation: 'encrypt' | 'decrypt' | 'sign' | 'verify'): DataOutcome {
  const [srcLen, dstLen] = [u32(c.h, 24), u32(c.h, 28)];
  if (srcLen + dstLen > c.maxSize) return finish(c, S.VIRTIO_CRYPTO_ERR);
  if (operation === 'verify') {
    const f = takeAll(c, [srcLen, dstLen]);
    if (f === null) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
    c.out.bytesIn = srcLen + dstLen;
    const r = run(c, s, { kind: 'akcipher', operation, src: f[0]!, digest: f[1]!, maxOutputLen: 0 });
    return finish(c, r.ok ? S.VIRTIO_CRYPTO_OK : backendStatus(r.error), 1);
  }
  if (!fits(c, 0)) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  const src = c.reader.take(srcLen);
  if (src === null) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  c.out.bytesIn = srcLen;
  const room = Math.min(dstLen, totalLength(c.req.writable) - 1);
  const r = run(c, s, { kind: 'akcipher', operation, src, maxOutputLen: room });
  if (!r.ok) return finish(c, backendStatus(r.error), 1);
  writeAt(c.req.writable, 0, r.value);
  c.out.bytesOut = r.value.length;
  // Linux reads the result length as used.len - 1.
  return finish(c, S.VIRTIO_CRYPTO_OK, r.value.length + 1);
}

export const newOutcome = (): DataOutcome => ({ status: S.VIRTIO_CRYPTO_ERR, usedLen: 0, service: 'unknown', operation: 'unknown', algorithm: 'unknown', bytesIn: 0, bytesOut: 0 });

/** Sets the outcome's service and operation names from the opcode; false for an unknown opcode. */
export function nameOpcode(out: DataOutcome, opcode: number): boolean {
  const names = SERVICE_OF[opcode];
  if (names === undefined) return false;
  [out.service, out.operation] = names;
  return true;
}

export function executeDataRequest(req: SegmentedRequest, sessions: SessionTable, backend: CryptoBackend, maxSize: number): DataOutcome {
  const reader = new RequestReader(req.readable);
  const out = newOutcome();
  const h = reader.take(VIRTIO_CRYPTO_DATA_REQ_LEN);
  const c: Ctx = { req, reader, h: h ?? new Uint8Array(0), backend, maxSize, out };
  if (h === null) return finish(c, S.VIRTIO_CRYPTO_BADMSG);
  if (!nameOpcode(out, u32(h, 0))) return finish(c, S.VIRTIO_CRYPTO_NOTSUPP);
  const s = sessions.get(u64(h, 8));
  if (s === undefined) return finish(c, S.VIRTIO_CRYPTO_INVSESS);
  return runOnSession(c, s);
}

/** Runs a named request (nameOpcode) on a session; a session of another service gives INVSESS. */
export function runOnSession(c: Ctx, s: DeviceSession): DataOutcome {
  const out = c.out;
  out.algorithm = s.algorithm;
  const encrypt = out.operation === 'encrypt';
  switch (out.service) {
    case 'cipher':
      if (s.kind === 'cipher') return cipherOnly(c, s, encrypt);
      if (s.kind === 'chain') return chained(c, s, encrypt);
      break;
    case 'hash':
      if (s.kind === 'hash') return digest(c, s);
      break;
    case 'mac':
      if (s.kind === 'mac') return digest(c, s);
      break;
    case 'aead':
      if (s.kind === 'aead') return aead(c, s, encrypt);
      break;
    case 'akcipher':
      if (s.kind === 'akcipher') return akcipher(c, s, out.operation as 'encrypt' | 'decrypt' | 'sign' | 'verify');
      break;
  }
  // A session of another service: the id is not a session of this kind.
  return finish(c, S.VIRTIO_CRYPTO_INVSESS);
}
