// SPDX-License-Identifier: Apache-2.0
/**
 * Loads the known-answer vectors in test/fixtures/vectors (see its README) for the backend and
 * device-model tests. Test-only; knows nothing of virtio.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AeadAlgorithm, AkcipherAlgorithm, CipherAlgorithm, HashAlgorithm, MacAlgorithm, RsaHash, RsaPadding } from '../../device-core/src/backends/types.js';

const load = <T>(name: string): T =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/vectors/${name}.json`, import.meta.url)), 'utf8')) as T;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

export interface CipherVector { algorithm: CipherAlgorithm; key: Buffer; iv: Buffer; plaintext: Buffer; ciphertext: Buffer; source: string }
export interface HashVector { algorithm: HashAlgorithm; message: Buffer; digest: Buffer; source: string }
export interface MacVector { algorithm: MacAlgorithm; key: Buffer; iv: Buffer; message: Buffer; tag: Buffer; source: string }
export interface AeadVector { algorithm: AeadAlgorithm; key: Buffer; iv: Buffer; aad: Buffer; plaintext: Buffer; ciphertext: Buffer; tag: Buffer; source: string }
export interface AkcipherVector {
  algorithm: AkcipherAlgorithm; padding: RsaPadding; hash: RsaHash; operation: 'sign' | 'encrypt' | 'verify';
  privateKey: Buffer; publicKey: Buffer; input: Buffer; output: Buffer; source: string;
}

type Raw<T> = { [K in keyof T]: T[K] extends Buffer ? string : T[K] };
function decode<T extends object>(raw: Raw<T>[], bytes: readonly string[]): T[] {
  return raw.map((r) => {
    const out: Record<string, unknown> = { ...r };
    for (const b of bytes) out[b] = hex((r as Record<string, string>)[b] ?? '');
    return out as T;
  });
}

export const cipherVectors = (): CipherVector[] => decode(load('cipher'), ['key', 'iv', 'plaintext', 'ciphertext']);
export const hashVectors = (): HashVector[] => decode(load('hash'), ['message', 'digest']);
export const macVectors = (): MacVector[] => decode(load('mac'), ['key', 'iv', 'message', 'tag']);
export const aeadVectors = (): AeadVector[] => decode(load('aead'), ['key', 'iv', 'aad', 'plaintext', 'ciphertext', 'tag']);
export const akcipherVectors = (): AkcipherVector[] => decode(load('akcipher'), ['privateKey', 'publicKey', 'input', 'output']);

/** Wycheproof ECDSA verification vectors (public key only): digest is the hash of message. */
export interface EcdsaVerifyVector {
  algorithm: 'ecdsa-p256' | 'ecdsa-p384'; publicKey: Buffer; hash: string; message: Buffer; digest: Buffer;
  signature: Buffer; valid: boolean; source: string;
}
export const ecdsaVerifyVectors = (): EcdsaVerifyVector[] =>
  decode(load('ecdsa-verify'), ['publicKey', 'message', 'digest', 'signature']);
