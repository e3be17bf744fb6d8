// SPDX-License-Identifier: Apache-2.0
/**
 * The one table mapping virtio-crypto algorithm ids to the backend's algorithm names, and the
 * config-space masks computed from what a backend can really do. Add an algorithm here (and to
 * the backend). Knows nothing of vhost-user or of how a backend computes.
 */
import type { AeadAlgorithm, AkcipherAlgorithm, BackendCapabilities, CipherAlgorithm, HashAlgorithm, MacAlgorithm, RsaHash } from '../backends/types.js';
import {
  VIRTIO_CRYPTO_AEAD as AEAD,
  VIRTIO_CRYPTO_CIPHER as C,
  VIRTIO_CRYPTO_HASH as H,
  VIRTIO_CRYPTO_MAC as M,
  VIRTIO_CRYPTO_RSA_HASH as RH,
} from '../spec/virtio-crypto.js';

export const CIPHER_BY_ID: ReadonlyMap<number, CipherAlgorithm> = new Map<number, CipherAlgorithm>([
  [C.VIRTIO_CRYPTO_CIPHER_ARC4, 'arc4'],
  [C.VIRTIO_CRYPTO_CIPHER_AES_ECB, 'aes-ecb'],
  [C.VIRTIO_CRYPTO_CIPHER_AES_CBC, 'aes-cbc'],
  [C.VIRTIO_CRYPTO_CIPHER_AES_CTR, 'aes-ctr'],
  [C.VIRTIO_CRYPTO_CIPHER_DES_ECB, 'des-ecb'],
  [C.VIRTIO_CRYPTO_CIPHER_DES_CBC, 'des-cbc'],
  [C.VIRTIO_CRYPTO_CIPHER_3DES_ECB, '3des-ecb'],
  [C.VIRTIO_CRYPTO_CIPHER_3DES_CBC, '3des-cbc'],
  [C.VIRTIO_CRYPTO_CIPHER_3DES_CTR, '3des-ctr'],
  [C.VIRTIO_CRYPTO_CIPHER_AES_XTS, 'aes-xts'],
]);

export const HASH_BY_ID: ReadonlyMap<number, HashAlgorithm> = new Map<number, HashAlgorithm>([
  [H.VIRTIO_CRYPTO_HASH_MD5, 'md5'],
  [H.VIRTIO_CRYPTO_HASH_SHA1, 'sha1'],
  [H.VIRTIO_CRYPTO_HASH_SHA_224, 'sha224'],
  [H.VIRTIO_CRYPTO_HASH_SHA_256, 'sha256'],
  [H.VIRTIO_CRYPTO_HASH_SHA_384, 'sha384'],
  [H.VIRTIO_CRYPTO_HASH_SHA_512, 'sha512'],
  [H.VIRTIO_CRYPTO_HASH_SHA3_224, 'sha3-224'],
  [H.VIRTIO_CRYPTO_HASH_SHA3_256, 'sha3-256'],
  [H.VIRTIO_CRYPTO_HASH_SHA3_384, 'sha3-384'],
  [H.VIRTIO_CRYPTO_HASH_SHA3_512, 'sha3-512'],
  [H.VIRTIO_CRYPTO_HASH_SHA3_SHAKE128, 'shake128'],
  [H.VIRTIO_CRYPTO_HASH_SHA3_SHAKE256, 'shake256'],
]);

export const MAC_BY_ID: ReadonlyMap<number, MacAlgorithm> = new Map<number, MacAlgorithm>([
  [M.VIRTIO_CRYPTO_MAC_HMAC_MD5, 'hmac-md5'],
  [M.VIRTIO_CRYPTO_MAC_HMAC_SHA1, 'hmac-sha1'],
  [M.VIRTIO_CRYPTO_MAC_HMAC_SHA_224, 'hmac-sha224'],
  [M.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, 'hmac-sha256'],
  [M.VIRTIO_CRYPTO_MAC_HMAC_SHA_384, 'hmac-sha384'],
  [M.VIRTIO_CRYPTO_MAC_HMAC_SHA_512, 'hmac-sha512'],
  [M.VIRTIO_CRYPTO_MAC_CMAC_3DES, 'cmac-3des'],
  [M.VIRTIO_CRYPTO_MAC_CMAC_AES, 'cmac-aes'],
  [M.VIRTIO_CRYPTO_MAC_GMAC_AES, 'gmac-aes'],
  [M.VIRTIO_CRYPTO_MAC_CBCMAC_AES, 'cbcmac-aes'],
  [M.VIRTIO_CRYPTO_MAC_XCBC_AES, 'xcbc-aes'],
]);

export const AEAD_BY_ID: ReadonlyMap<number, AeadAlgorithm> = new Map<number, AeadAlgorithm>([
  [AEAD.VIRTIO_CRYPTO_AEAD_GCM, 'aes-gcm'],
  [AEAD.VIRTIO_CRYPTO_AEAD_CCM, 'aes-ccm'],
  [AEAD.VIRTIO_CRYPTO_AEAD_CHACHA20_POLY1305, 'chacha20-poly1305'],
]);

export const RSA_HASH_BY_ID: ReadonlyMap<number, RsaHash> = new Map<number, RsaHash>([
  [RH.VIRTIO_CRYPTO_RSA_NO_HASH, 'none'],
  [RH.VIRTIO_CRYPTO_RSA_MD5, 'md5'],
  [RH.VIRTIO_CRYPTO_RSA_SHA1, 'sha1'],
  [RH.VIRTIO_CRYPTO_RSA_SHA224, 'sha224'],
  [RH.VIRTIO_CRYPTO_RSA_SHA256, 'sha256'],
  [RH.VIRTIO_CRYPTO_RSA_SHA384, 'sha384'],
  [RH.VIRTIO_CRYPTO_RSA_SHA512, 'sha512'],
]);

/** Config-space masks: bit n set when the backend computes the algorithm with virtio id n. */
export interface AlgorithmMasks {
  readonly cipher: bigint;
  readonly hash: number;
  readonly mac: bigint;
  readonly aead: number;
  readonly akcipher: number;
}

function mask<T>(table: ReadonlyMap<number, T>, has: (name: T) => boolean): bigint {
  let m = 0n;
  for (const [id, name] of table) if (has(name)) m |= 1n << BigInt(id);
  return m;
}

export function algorithmMasks(caps: BackendCapabilities): AlgorithmMasks {
  const akRsa = caps.akcipher.has('rsa') ? 1 << 1 : 0;
  // ECDSA is id 3 in Linux's uapi and QEMU (2 in the spec text, where Linux has DSA).
  const akEcdsa = caps.akcipher.has('ecdsa-p256') || caps.akcipher.has('ecdsa-p384') ? 1 << 3 : 0;
  return {
    cipher: mask(CIPHER_BY_ID, (n) => caps.cipher.has(n)),
    hash: Number(mask(HASH_BY_ID, (n) => caps.hash.has(n))),
    mac: mask(MAC_BY_ID, (n) => caps.mac.has(n)),
    aead: Number(mask(AEAD_BY_ID, (n) => caps.aead.has(n))),
    akcipher: akRsa | akEcdsa,
  };
}

export type AkcipherChoice = AkcipherAlgorithm;

/** The akcipher algorithms the device model knows (virtio has one id for ECDSA; the curve comes with the key). */
const AKCIPHER_NAMES: readonly AkcipherAlgorithm[] = ['rsa', 'ecdsa-p256', 'ecdsa-p384'];

/** Every algorithm name the device model can carry: what `--algorithms` and spec.algorithms may name. */
export const ALGORITHM_NAMES: readonly [string, ...string[]] = [
  ...CIPHER_BY_ID.values(),
  ...HASH_BY_ID.values(),
  ...MAC_BY_ID.values(),
  ...AEAD_BY_ID.values(),
  ...AKCIPHER_NAMES,
] as [string, ...string[]];
