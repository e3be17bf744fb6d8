// SPDX-License-Identifier: Apache-2.0
/**
 * Session-create requests in the device model's own terms, and the one function that turns the
 * wire's algorithm ids and session fields into them. Used by the control-queue parser (device
 * mode) and by the vhost-user session messages (cryptodev mode), so both reject the same things
 * with the same status. Knows nothing of how requests arrive.
 */
import type { AeadAlgorithm, AkcipherAlgorithm, CipherAlgorithm, Direction, HashAlgorithm, MacAlgorithm, RsaHash, RsaPadding } from '../backends/types.js';
import {
  VIRTIO_CRYPTO_AKCIPHER as AK,
  VIRTIO_CRYPTO_AKCIPHER_KEY_TYPE as KT,
  VIRTIO_CRYPTO_CURVE as CURVE,
  VIRTIO_CRYPTO_OP_DECRYPT,
  VIRTIO_CRYPTO_OP_ENCRYPT,
  VIRTIO_CRYPTO_RSA_PADDING as PAD,
  VIRTIO_CRYPTO_STATUS as S,
  VIRTIO_CRYPTO_SYM_ALG_CHAIN_ORDER as ORDER,
  VIRTIO_CRYPTO_SYM_HASH_MODE as HM,
  VIRTIO_CRYPTO_SYM_OP as SYM,
  type VirtioCryptoStatus,
} from '../spec/virtio-crypto.js';
import { err, ok, type Result } from '../util/result.js';
import { AEAD_BY_ID, CIPHER_BY_ID, HASH_BY_ID, MAC_BY_ID, RSA_HASH_BY_ID } from './algorithms.js';

export interface CipherPart {
  readonly algorithm: CipherAlgorithm;
  readonly key: Uint8Array;
  readonly direction: Direction;
}

export type AuthPart =
  | { readonly kind: 'hash'; readonly algorithm: HashAlgorithm; readonly resultLen: number }
  | { readonly kind: 'mac'; readonly algorithm: MacAlgorithm; readonly key: Uint8Array; readonly resultLen: number };

export type CreateSessionRequest =
  | ({ readonly kind: 'cipher' } & CipherPart)
  | {
      readonly kind: 'chain';
      readonly cipher: CipherPart;
      readonly auth: AuthPart;
      readonly order: 'hash-then-cipher' | 'cipher-then-hash';
      readonly aadLen: number;
    }
  | { readonly kind: 'hash'; readonly algorithm: HashAlgorithm; readonly resultLen: number }
  | { readonly kind: 'mac'; readonly algorithm: MacAlgorithm; readonly key: Uint8Array; readonly resultLen: number }
  | {
      readonly kind: 'aead';
      readonly algorithm: AeadAlgorithm;
      readonly key: Uint8Array;
      readonly tagLen: number;
      readonly aadLen: number;
      readonly direction: Direction;
    }
  | {
      readonly kind: 'akcipher';
      readonly algorithm: AkcipherAlgorithm;
      readonly keyType: 'public' | 'private';
      readonly key: Uint8Array;
      readonly padding: RsaPadding;
      readonly hash: RsaHash;
    };

/** A refusal: the status to report and a short reason for tracing (never key bytes). */
export interface Refusal {
  readonly status: VirtioCryptoStatus;
  readonly reason: string;
}

export const refuse = (status: VirtioCryptoStatus, reason: string): { ok: false; error: Refusal } => err({ status, reason });

export function directionOf(op: number): Direction | undefined {
  return op === VIRTIO_CRYPTO_OP_ENCRYPT ? 'encrypt' : op === VIRTIO_CRYPTO_OP_DECRYPT ? 'decrypt' : undefined;
}

/** The symmetric session fields, as both the control queue and vhost-user message 26 carry them. */
export interface SymSessionFields {
  readonly opType: number;
  readonly cipherAlgo: number;
  readonly cipherOp: number;
  readonly chainOrder: number;
  readonly hashMode: number;
  readonly authAlgo: number;
  readonly hashResultLen: number;
  readonly aadLen: number;
}

export function symSessionRequest(
  f: SymSessionFields,
  cipherKey: Uint8Array,
  authKey: Uint8Array,
): Result<CreateSessionRequest, Refusal> {
  const algorithm = CIPHER_BY_ID.get(f.cipherAlgo);
  if (algorithm === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `cipher id ${f.cipherAlgo} is not supported`);
  const direction = directionOf(f.cipherOp);
  if (direction === undefined) return refuse(S.VIRTIO_CRYPTO_ERR, `cipher op ${f.cipherOp} is neither encrypt nor decrypt`);
  const cipher: CipherPart = { algorithm, key: cipherKey, direction };
  if (f.opType === SYM.VIRTIO_CRYPTO_SYM_OP_CIPHER) return ok({ kind: 'cipher', ...cipher });
  if (f.opType !== SYM.VIRTIO_CRYPTO_SYM_OP_ALGORITHM_CHAINING) {
    return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `symmetric op type ${f.opType} is not supported`);
  }
  const order =
    f.chainOrder === ORDER.VIRTIO_CRYPTO_SYM_ALG_CHAIN_ORDER_HASH_THEN_CIPHER
      ? 'hash-then-cipher'
      : f.chainOrder === ORDER.VIRTIO_CRYPTO_SYM_ALG_CHAIN_ORDER_CIPHER_THEN_HASH
        ? 'cipher-then-hash'
        : undefined;
  if (order === undefined) return refuse(S.VIRTIO_CRYPTO_ERR, `chain order ${f.chainOrder} is invalid`);
  let auth: AuthPart;
  if (f.hashMode === HM.VIRTIO_CRYPTO_SYM_HASH_MODE_PLAIN) {
    const h = HASH_BY_ID.get(f.authAlgo);
    if (h === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `hash id ${f.authAlgo} is not supported`);
    auth = { kind: 'hash', algorithm: h, resultLen: f.hashResultLen };
  } else if (f.hashMode === HM.VIRTIO_CRYPTO_SYM_HASH_MODE_AUTH) {
    const m = MAC_BY_ID.get(f.authAlgo);
    if (m === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `mac id ${f.authAlgo} is not supported`);
    auth = { kind: 'mac', algorithm: m, key: authKey, resultLen: f.hashResultLen };
  } else {
    return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `hash mode ${f.hashMode} is not supported`);
  }
  return ok({ kind: 'chain', cipher, auth, order, aadLen: f.aadLen });
}

export function hashSessionRequest(algo: number, resultLen: number): Result<CreateSessionRequest, Refusal> {
  const algorithm = HASH_BY_ID.get(algo);
  if (algorithm === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `hash id ${algo} is not supported`);
  return ok({ kind: 'hash', algorithm, resultLen });
}

export function macSessionRequest(algo: number, resultLen: number, key: Uint8Array): Result<CreateSessionRequest, Refusal> {
  const algorithm = MAC_BY_ID.get(algo);
  if (algorithm === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `mac id ${algo} is not supported`);
  return ok({ kind: 'mac', algorithm, resultLen, key });
}

export function aeadSessionRequest(
  algo: number,
  tagLen: number,
  aadLen: number,
  op: number,
  key: Uint8Array,
): Result<CreateSessionRequest, Refusal> {
  const algorithm = AEAD_BY_ID.get(algo);
  if (algorithm === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `aead id ${algo} is not supported`);
  const direction = directionOf(op);
  if (direction === undefined) return refuse(S.VIRTIO_CRYPTO_ERR, `aead op ${op} is neither encrypt nor decrypt`);
  return ok({ kind: 'aead', algorithm, key, tagLen, aadLen, direction });
}

/** akcipher fields: algorithm, key type, then RSA padding/hash or the ECDSA curve in `para0`/`para1`. */
export function akcipherSessionRequest(
  algo: number,
  keyType: number,
  para0: number,
  para1: number,
  key: Uint8Array,
): Result<CreateSessionRequest, Refusal> {
  const kt = keyType === KT.VIRTIO_CRYPTO_AKCIPHER_KEY_TYPE_PUBLIC ? 'public' : keyType === KT.VIRTIO_CRYPTO_AKCIPHER_KEY_TYPE_PRIVATE ? 'private' : undefined;
  if (kt === undefined) return refuse(S.VIRTIO_CRYPTO_ERR, `akcipher key type ${keyType} is invalid`);
  if (algo === AK.VIRTIO_CRYPTO_AKCIPHER_RSA) {
    const padding = para0 === PAD.VIRTIO_CRYPTO_RSA_RAW_PADDING ? 'raw' : para0 === PAD.VIRTIO_CRYPTO_RSA_PKCS1_PADDING ? 'pkcs1' : undefined;
    if (padding === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `rsa padding ${para0} is not supported`);
    const hash = RSA_HASH_BY_ID.get(para1);
    if (hash === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `rsa hash ${para1} is not supported`);
    return ok({ kind: 'akcipher', algorithm: 'rsa', keyType: kt, key, padding, hash });
  }
  if (algo === AK.VIRTIO_CRYPTO_AKCIPHER_ECDSA) {
    const algorithm =
      para0 === CURVE.VIRTIO_CRYPTO_CURVE_NIST_P256 ? 'ecdsa-p256' : para0 === CURVE.VIRTIO_CRYPTO_CURVE_NIST_P384 ? 'ecdsa-p384' : undefined;
    if (algorithm === undefined) return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `ecdsa curve ${para0} is not supported`);
    return ok({ kind: 'akcipher', algorithm, keyType: kt, key, padding: 'raw', hash: 'none' });
  }
  return refuse(S.VIRTIO_CRYPTO_NOTSUPP, `akcipher id ${algo} is not supported`);
}
