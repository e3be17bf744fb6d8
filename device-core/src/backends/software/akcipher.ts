// SPDX-License-Identifier: Apache-2.0
/**
 * Software akcipher service.
 *  - RSA, keys DER PKCS#1 RSAPublicKey / RSAPrivateKey (what the Linux driver sends). Padding
 *    'raw' is textbook RSA: the input is left-padded with zeros to the modulus size and must be
 *    below the modulus; the output is always modulus-sized. Padding 'pkcs1' is PKCS#1 v1.5:
 *    encrypt/decrypt with block type 2 (OpenSSL's implicit rejection applies to decrypt), sign/
 *    verify with block type 1 over DigestInfo(session hash)‖digest, or over the raw input when
 *    the session hash is 'none'. The digest must have the hash's length.
 *  - ECDSA P-256/P-384 over a digest the guest computed (ecdsa.ts). Private keys are DER SEC 1
 *    ECPrivateKey, public keys an uncompressed point 0x04‖X‖Y; signatures are r‖s, each the
 *    curve size (IEEE P1363 — not DER). ECDSA does no encrypt/decrypt ('not-supported').
 * A failed verification is 'signature-invalid'; a result that does not fit maxOutputLen is
 * 'invalid-argument'. Key material lives in KeyObjects (RSA) and a BigInt scalar (ECDSA); neither
 * can be wiped from JavaScript, so release() drops them; the DER copy made here is wiped at once.
 * Knows nothing of virtio.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';
import { BackendError, type AkcipherSessionParams, type RsaHash } from '../types.js';
import { CURVES, signDigest, toBigInt, verifyDigest, type Curve } from './ecdsa.js';

export type AkcipherOperation = 'encrypt' | 'decrypt' | 'sign' | 'verify';

export interface AkcipherEngine {
  run(operation: AkcipherOperation, src: Uint8Array, digest: Uint8Array | undefined, maxOutputLen: number): Uint8Array;
  release(): void;
}

/** DER DigestInfo prefixes and digest lengths (RFC 8017 section 9.2, note 1). */
const DIGEST_INFO: Readonly<Record<Exclude<RsaHash, 'none'>, { prefix: Buffer; len: number }>> = {
  md5: { prefix: Buffer.from('3020300c06082a864886f70d020505000410', 'hex'), len: 16 },
  sha1: { prefix: Buffer.from('3021300906052b0e03021a05000414', 'hex'), len: 20 },
  sha224: { prefix: Buffer.from('302d300d06096086480165030402040500041c', 'hex'), len: 28 },
  sha256: { prefix: Buffer.from('3031300d060960864801650304020105000420', 'hex'), len: 32 },
  sha384: { prefix: Buffer.from('3041300d060960864801650304020205000430', 'hex'), len: 48 },
  sha512: { prefix: Buffer.from('3051300d060960864801650304020305000440', 'hex'), len: 64 },
};

const ECDSA_CURVE: Readonly<Record<'ecdsa-p256' | 'ecdsa-p384', Curve>> = { 'ecdsa-p256': CURVES['P-256'], 'ecdsa-p384': CURVES['P-384'] };

const refuse = (kind: 'invalid-argument' | 'not-supported', message: string): never => {
  throw new BackendError(kind, message);
};

function leftPad(src: Uint8Array, size: number): Buffer {
  if (src.length > size) refuse('invalid-argument', `input of ${src.length} bytes is longer than the ${size}-byte modulus`);
  const out = Buffer.alloc(size);
  out.set(src, size - src.length);
  return out;
}

class RsaEngine implements AkcipherEngine {
  constructor(
    private key: KeyObject | undefined,
    private readonly isPrivate: boolean,
    private readonly sizeBytes: number,
    private readonly padding: AkcipherSessionParams['padding'],
    private readonly hash: RsaHash,
  ) {}

  run(operation: AkcipherOperation, src: Uint8Array, digest: Uint8Array | undefined, maxOutputLen: number): Uint8Array {
    const key = this.key ?? refuse('invalid-argument', 'rsa session already released');
    if ((operation === 'decrypt' || operation === 'sign') && !this.isPrivate) refuse('invalid-argument', `rsa ${operation} needs a private key`);
    const raw = this.padding === 'raw';
    const padding = raw ? constants.RSA_NO_PADDING : constants.RSA_PKCS1_PADDING;
    const opts = { key, padding };
    let out: Buffer;
    try {
      switch (operation) {
        case 'encrypt':
          out = publicEncrypt(opts, raw ? leftPad(src, this.sizeBytes) : src);
          break;
        case 'decrypt':
          out = privateDecrypt(opts, raw ? leftPad(src, this.sizeBytes) : src);
          break;
        case 'sign':
          out = raw ? privateDecrypt(opts, leftPad(src, this.sizeBytes)) : privateEncrypt(opts, this.signedBlock(src));
          break;
        case 'verify':
          this.verify(opts, src, digest ?? new Uint8Array(0));
          return new Uint8Array(0);
      }
    } catch (e: unknown) {
      if (e instanceof BackendError) throw e;
      throw new BackendError('invalid-argument', `rsa ${operation} refused its input`, { cause: e });
    }
    if (out.length > maxOutputLen) refuse('invalid-argument', `rsa result of ${out.length} bytes does not fit ${maxOutputLen} bytes`);
    return out;
  }

  /** What PKCS#1 v1.5 signing pads: DigestInfo‖digest, or the input itself for hash 'none'. */
  private signedBlock(digest: Uint8Array): Buffer {
    if (this.hash === 'none') return Buffer.from(digest);
    const info = DIGEST_INFO[this.hash];
    if (digest.length !== info.len) refuse('invalid-argument', `a ${this.hash} digest is ${info.len} bytes, got ${digest.length}`);
    return Buffer.concat([info.prefix, digest]);
  }

  private verify(opts: { key: KeyObject; padding: number }, signature: Uint8Array, digest: Uint8Array): void {
    const expected = this.padding === 'raw' ? leftPad(digest, this.sizeBytes) : this.signedBlock(digest);
    if (signature.length !== this.sizeBytes) throw new BackendError('signature-invalid', 'rsa signature has the wrong length');
    let recovered: Buffer;
    try {
      recovered = publicDecrypt(opts, this.padding === 'raw' ? leftPad(signature, this.sizeBytes) : signature);
    } catch (e: unknown) {
      throw new BackendError('signature-invalid', 'rsa signature did not verify', { cause: e });
    }
    if (!recovered.equals(expected)) throw new BackendError('signature-invalid', 'rsa signature did not verify');
  }

  release(): void {
    this.key = undefined;
  }
}

class EcdsaEngine implements AkcipherEngine {
  constructor(
    private readonly curve: Curve,
    private d: bigint | undefined,
    private readonly qx: bigint,
    private readonly qy: bigint,
  ) {}

  run(operation: AkcipherOperation, src: Uint8Array, digest: Uint8Array | undefined, maxOutputLen: number): Uint8Array {
    if (operation === 'encrypt' || operation === 'decrypt') refuse('not-supported', `ecdsa does not ${operation}`);
    if (operation === 'verify') {
      if (!verifyDigest(this.curve, this.qx, this.qy, digest ?? new Uint8Array(0), src)) {
        throw new BackendError('signature-invalid', `ecdsa ${this.curve.name} signature did not verify`);
      }
      return new Uint8Array(0);
    }
    const d = this.d ?? refuse('invalid-argument', 'ecdsa sign needs a private key');
    if (2 * this.curve.size > maxOutputLen) refuse('invalid-argument', `ecdsa signature of ${2 * this.curve.size} bytes does not fit ${maxOutputLen} bytes`);
    return signDigest(this.curve, d, src);
  }

  release(): void {
    this.d = undefined;
  }
}

const fromB64 = (s: string | undefined): bigint => toBigInt(Buffer.from(s ?? '', 'base64url'));

function ecdsaEngine(p: AkcipherSessionParams & { algorithm: 'ecdsa-p256' | 'ecdsa-p384' }, der: Buffer): AkcipherEngine {
  const curve = ECDSA_CURVE[p.algorithm];
  let key: KeyObject;
  if (p.keyType === 'private') {
    key = createPrivateKey({ key: der, format: 'der', type: 'sec1' });
  } else {
    if (der.length !== 1 + 2 * curve.size || der[0] !== 0x04) throw new Error(`not an uncompressed ${curve.name} point`);
    const b64 = (b: Buffer): string => b.toString('base64url');
    // OpenSSL checks the point is on the curve while importing it.
    key = createPublicKey({ key: { kty: 'EC', crv: curve.name, x: b64(der.subarray(1, 1 + curve.size)), y: b64(der.subarray(1 + curve.size)) }, format: 'jwk' });
  }
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== curve.name) throw new Error(`key is not on ${curve.name}`);
  return new EcdsaEngine(curve, p.keyType === 'private' ? fromB64(jwk.d) : undefined, fromB64(jwk.x), fromB64(jwk.y));
}

/** Parses the key; throws BackendError 'invalid-key' when it does not parse or fit the algorithm. */
export function createAkcipherEngine(p: AkcipherSessionParams): AkcipherEngine {
  const der = Buffer.from(p.key);
  try {
    if (p.algorithm === 'rsa') {
      const opts = { key: der, format: 'der', type: 'pkcs1' } as const;
      const key = p.keyType === 'private' ? createPrivateKey(opts) : createPublicKey(opts);
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 512) throw new Error(`modulus of ${bits} bits is too small`);
      return new RsaEngine(key, p.keyType === 'private', Math.ceil(bits / 8), p.padding, p.hash);
    }
    return ecdsaEngine({ ...p, algorithm: p.algorithm }, der);
  } catch (e: unknown) {
    throw new BackendError('invalid-key', `${p.algorithm} ${p.keyType} key could not be parsed`, { cause: e });
  } finally {
    der.fill(0);
  }
}
