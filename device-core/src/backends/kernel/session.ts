// SPDX-License-Identifier: Apache-2.0
/**
 * One kernel backend session: a transform socket bound to the chosen driver with the key set once
 * (ALG_SET_KEY, and ALG_SET_AEAD_AUTHSIZE for AEADs), and an operation socket accepted from it
 * that every request of the session reuses. A request is one sendmsg (operation, IV and AEAD
 * assoclen as control messages; inputs gathered by the kernel from their own buffers) and one
 * read straight into the result buffer. Long cipher requests go in MSG_MORE parts, the kernel
 * chaining the IV between them; AEAD and XTS requests must fit one send (SEND_LIMIT_BYTES), and
 * a longer one is 'not-supported' (the auto backend then runs it in software).
 * After any failed request the operation socket is replaced, so no half-done state survives.
 * No key bytes are kept here: the kernel holds the only copy, dropped when the socket closes.
 * Knows nothing of virtio; sizes are validated before the kernel sees them (algorithms.ts).
 */
import { BackendError, type CryptoOp, type Direction } from '../types.js';
import { ALG_OP_DECRYPT, ALG_OP_ENCRYPT, ALG_OP_NONE, errnoCode, type AlgApi } from './alg-api.js';
import type { AeadSpec, AlgSocketType, CipherSpec, HashSpec, MacSpec } from './algorithms.js';
import { GMAC_NONCE_LEN } from './algorithms.js';

/** One send's most bytes: well inside the kernel's default socket buffer (212992 bytes). */
export const SEND_LIMIT_BYTES = 128 * 1024;
/** Part size for long cipher requests (a multiple of every block size). */
export const CIPHER_PART_BYTES = 64 * 1024;

export type SessionShape =
  | { readonly kind: 'cipher'; readonly spec: CipherSpec }
  | { readonly kind: 'hash'; readonly spec: HashSpec; readonly resultLen: number }
  | { readonly kind: 'mac'; readonly spec: MacSpec; readonly resultLen: number }
  | { readonly kind: 'aead'; readonly spec: AeadSpec; readonly tagLen: number; readonly ccm: boolean };

const fail = (kind: 'invalid-argument' | 'not-supported', message: string): never => {
  throw new BackendError(kind, message);
};

export class AlgSession {
  private opFd: number;
  private closed = false;

  constructor(
    private readonly api: AlgApi,
    readonly algorithm: string,
    readonly shape: SessionShape,
    private readonly tfmFd: number,
  ) {
    this.opFd = api.accept(tfmFd);
  }

  /** Binds, keys and accepts; closes what it opened when a step fails. */
  static open(api: AlgApi, algorithm: string, shape: SessionShape, socket: AlgSocketType, driver: string, key: Uint8Array | null): AlgSession {
    const tfm = api.bind(socket, driver);
    try {
      if (key !== null) api.setKey(tfm, key);
      if (shape.kind === 'aead') api.setAuthSize(tfm, shape.tagLen);
      if (shape.kind === 'mac' && shape.spec.socket === 'aead') api.setAuthSize(tfm, shape.spec.macLen);
      return new AlgSession(api, algorithm, shape, tfm);
    } catch (e: unknown) {
      api.close(tfm);
      throw e;
    }
  }

  get params(): { readonly kind: SessionShape['kind'] } {
    return { kind: this.shape.kind };
  }

  run(op: CryptoOp): Uint8Array {
    if (this.closed) throw new BackendError('invalid-argument', 'session is closed');
    if (op.kind !== this.shape.kind) throw new BackendError('invalid-argument', `a ${this.shape.kind} session cannot run a ${op.kind} operation`);
    try {
      return this.dispatch(op);
    } catch (e: unknown) {
      this.replaceOpSocket();
      if (e instanceof BackendError) throw e;
      const code = errnoCode(e);
      if (code === 'EBADMSG') throw new BackendError('auth-failed', `${this.algorithm} tag did not verify`, { cause: e });
      if (code === 'EINVAL') throw new BackendError('invalid-argument', `${this.algorithm}: the kernel refused the request (EINVAL)`, { cause: e });
      throw new BackendError('internal', `${this.algorithm} failed in the kernel (${code ?? 'unknown error'})`, { cause: e });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.api.close(this.opFd);
    this.api.close(this.tfmFd);
  }

  private replaceOpSocket(): void {
    this.api.close(this.opFd);
    this.opFd = this.api.accept(this.tfmFd);
  }

  private dispatch(op: CryptoOp): Uint8Array {
    const s = this.shape;
    if (op.kind === 'cipher' && s.kind === 'cipher') return this.cipher(s.spec, op.direction, op.iv, op.src);
    if (op.kind === 'hash' && s.kind === 'hash') return this.digest(op.src, s.spec.digestLen, s.resultLen);
    if (op.kind === 'mac' && s.kind === 'mac') {
      return s.spec.socket === 'aead' ? this.gmac(op.iv, op.src, s.resultLen) : this.digest(op.src, s.spec.macLen, s.resultLen);
    }
    if (op.kind === 'aead' && s.kind === 'aead') return this.aead(s, op.direction, op.iv, op.aad, op.src);
    throw new BackendError('invalid-argument', `a ${s.kind} session cannot run a ${op.kind} operation`);
  }

  private cipher(spec: CipherSpec, direction: Direction, iv: Uint8Array, src: Uint8Array): Uint8Array {
    const name = this.algorithm;
    if (spec.ivLen !== 0 && iv.length !== spec.ivLen) fail('invalid-argument', `${name} takes a ${spec.ivLen}-byte IV, got ${iv.length}`);
    if (src.length % spec.blockLen !== 0) fail('invalid-argument', `${name} input must be a multiple of ${spec.blockLen} bytes, got ${src.length}`);
    if (src.length < spec.minLen) fail('invalid-argument', `${name} needs at least ${spec.minLen} bytes`);
    const out = new Uint8Array(src.length);
    if (src.length === 0) return out;
    if (src.length > SEND_LIMIT_BYTES && !spec.chunkable) fail('not-supported', `${name} requests over ${SEND_LIMIT_BYTES} bytes are not sent to the kernel`);
    const op = direction === 'encrypt' ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT;
    const ivArg = spec.ivLen === 0 ? null : iv;
    const part = spec.chunkable ? CIPHER_PART_BYTES : src.length;
    for (let at = 0; at < src.length; at += part) {
      const end = Math.min(at + part, src.length);
      const more = end < src.length;
      // The first part carries the operation and IV; the kernel chains the IV into the next parts.
      this.api.send(this.opFd, at === 0 ? op : ALG_OP_NONE, at === 0 ? ivArg : null, 0, [src.subarray(at, end)], more);
      this.readExactly([out.subarray(at, end)], end - at);
    }
    return out;
  }

  /** Hashes and hash-socket MACs (HMAC, CMAC, XCBC, CBC-MAC): the digest, cut to resultLen. */
  private digest(src: Uint8Array, digestLen: number, resultLen: number): Uint8Array {
    this.api.send(this.opFd, ALG_OP_NONE, null, 0, [src], false);
    const out = new Uint8Array(digestLen);
    this.readExactly([out], digestLen);
    return resultLen < digestLen ? out.subarray(0, resultLen) : out;
  }

  /** GMAC as gcm(aes): the message is associated data, the plaintext is empty, the tag is the MAC. */
  private gmac(iv: Uint8Array, src: Uint8Array, resultLen: number): Uint8Array {
    if (iv.length !== GMAC_NONCE_LEN) fail('invalid-argument', `gmac-aes takes a ${GMAC_NONCE_LEN}-byte nonce, got ${iv.length}`);
    if (src.length > SEND_LIMIT_BYTES) fail('not-supported', `gmac-aes messages over ${SEND_LIMIT_BYTES} bytes are not sent to the kernel`);
    this.api.send(this.opFd, ALG_OP_ENCRYPT, iv, src.length, [src], false);
    const tag = new Uint8Array(16);
    this.readExactly([new Uint8Array(src.length), tag], src.length + 16);
    return resultLen < 16 ? tag.subarray(0, resultLen) : tag;
  }

  /**
   * encrypt: inputs aad‖plaintext, output aad‖ciphertext‖tag; decrypt: inputs aad‖ciphertext‖tag,
   * output aad‖plaintext (EBADMSG when the tag fails). The kernel copies the AAD into the output:
   * it lands in a scratch buffer, the rest straight in the result.
   */
  private aead(s: Extract<SessionShape, { kind: 'aead' }>, direction: Direction, iv: Uint8Array, aad: Uint8Array, src: Uint8Array): Uint8Array {
    const name = this.algorithm;
    const { spec, tagLen } = s;
    if (iv.length < spec.nonceMin || iv.length > spec.nonceMax) {
      // GCM nonces other than 96 bits are valid AES-GCM, just not what the kernel's gcm(aes) takes.
      fail(name === 'aes-gcm' ? 'not-supported' : 'invalid-argument', `${name} in the kernel takes a ${spec.nonceMin}..${spec.nonceMax}-byte nonce, got ${iv.length}`);
    }
    if (direction === 'decrypt' && src.length < tagLen) fail('invalid-argument', `${name} input of ${src.length} bytes is shorter than its ${tagLen}-byte tag`);
    const msgLen = direction === 'encrypt' ? src.length : src.length - tagLen;
    if (s.ccm && msgLen >= 2 ** (8 * (15 - iv.length))) fail('invalid-argument', `aes-ccm with a ${iv.length}-byte nonce cannot carry ${msgLen} bytes`);
    if (aad.length + src.length + tagLen > SEND_LIMIT_BYTES) fail('not-supported', `${name} requests over ${SEND_LIMIT_BYTES} bytes are not sent to the kernel`);
    const kernelIv = s.ccm ? ccmIv(iv) : iv;
    const outLen = direction === 'encrypt' ? src.length + tagLen : msgLen;
    this.api.send(this.opFd, direction === 'encrypt' ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT, kernelIv, aad.length, [aad, src], false);
    const out = new Uint8Array(outLen);
    this.readExactly([new Uint8Array(aad.length), out], aad.length + outLen);
    return out;
  }

  private readExactly(outputs: readonly Uint8Array[], want: number): void {
    const got = this.api.recv(this.opFd, outputs);
    if (got !== want) throw new BackendError('internal', `${this.algorithm}: the kernel returned ${got} bytes, expected ${want}`);
  }
}

/** ccm(aes) takes a 16-byte counter block: flags byte L−1 (L = 15 − nonce length), the nonce, zeros. */
export function ccmIv(nonce: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  iv[0] = 15 - nonce.length - 1;
  iv.set(nonce, 1);
  return iv;
}
