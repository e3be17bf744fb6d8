// SPDX-License-Identifier: Apache-2.0
/**
 * The kernel backend's algorithm table: our algorithm names → the kernel crypto API's names,
 * the AF_ALG socket type that reaches them, and the sizes checked before the kernel sees a
 * request. Checking first matters: an skcipher or aead socket asked for more output than the
 * operation makes blocks forever, so a partial block or a too-short AEAD input never reaches it.
 * Add an algorithm here (one row); discovery.ts advertises it when the kernel serves it.
 * Left out on purpose: arc4 (the kernel's ecb(arc4) carries its keystream from one request to the
 * next on a socket, virtio-crypto restarts it per request), SHAKE (no kernel implementation),
 * RSA/ECDSA (no algif_akcipher in mainline). Knows nothing of sockets or virtio.
 */
import type { AeadAlgorithm, CipherAlgorithm, HashAlgorithm, MacAlgorithm } from '../types.js';

export type AlgSocketType = 'skcipher' | 'hash' | 'aead';

/** /proc/crypto types that an AF_ALG socket of each kind can bind. */
export const PROC_TYPES: Readonly<Record<AlgSocketType, readonly string[]>> = {
  skcipher: ['skcipher'],
  hash: ['shash', 'ahash'],
  aead: ['aead'],
};

const AES_KEYS = [16, 24, 32] as const;

export interface CipherSpec {
  readonly kernelName: string;
  readonly keyLens: readonly number[];
  readonly ivLen: number;
  readonly blockLen: number;
  readonly minLen: number;
  /** Whether a long request may be split into MSG_MORE parts (the kernel chains the IV). */
  readonly chunkable: boolean;
}

export const CIPHERS: Readonly<Partial<Record<CipherAlgorithm, CipherSpec>>> = {
  'aes-ecb': { kernelName: 'ecb(aes)', keyLens: AES_KEYS, ivLen: 0, blockLen: 16, minLen: 0, chunkable: true },
  'aes-cbc': { kernelName: 'cbc(aes)', keyLens: AES_KEYS, ivLen: 16, blockLen: 16, minLen: 0, chunkable: true },
  'aes-ctr': { kernelName: 'ctr(aes)', keyLens: AES_KEYS, ivLen: 16, blockLen: 1, minLen: 0, chunkable: true },
  // XTS: ciphertext stealing needs the whole data unit in one request.
  'aes-xts': { kernelName: 'xts(aes)', keyLens: [32, 64], ivLen: 16, blockLen: 1, minLen: 16, chunkable: false },
  'des-ecb': { kernelName: 'ecb(des)', keyLens: [8], ivLen: 0, blockLen: 8, minLen: 0, chunkable: true },
  'des-cbc': { kernelName: 'cbc(des)', keyLens: [8], ivLen: 8, blockLen: 8, minLen: 0, chunkable: true },
  '3des-ecb': { kernelName: 'ecb(des3_ede)', keyLens: [24], ivLen: 0, blockLen: 8, minLen: 0, chunkable: true },
  '3des-cbc': { kernelName: 'cbc(des3_ede)', keyLens: [24], ivLen: 8, blockLen: 8, minLen: 0, chunkable: true },
  '3des-ctr': { kernelName: 'ctr(des3_ede)', keyLens: [24], ivLen: 8, blockLen: 1, minLen: 0, chunkable: true },
};

export interface HashSpec {
  readonly kernelName: string;
  readonly digestLen: number;
}

export const HASHES: Readonly<Partial<Record<HashAlgorithm, HashSpec>>> = {
  md5: { kernelName: 'md5', digestLen: 16 },
  sha1: { kernelName: 'sha1', digestLen: 20 },
  sha224: { kernelName: 'sha224', digestLen: 28 },
  sha256: { kernelName: 'sha256', digestLen: 32 },
  sha384: { kernelName: 'sha384', digestLen: 48 },
  sha512: { kernelName: 'sha512', digestLen: 64 },
  'sha3-224': { kernelName: 'sha3-224', digestLen: 28 },
  'sha3-256': { kernelName: 'sha3-256', digestLen: 32 },
  'sha3-384': { kernelName: 'sha3-384', digestLen: 48 },
  'sha3-512': { kernelName: 'sha3-512', digestLen: 64 },
};

export interface MacSpec {
  readonly kernelName: string;
  /** 'any' for HMAC. */
  readonly keyLens: readonly number[] | 'any';
  readonly macLen: number;
  /** GMAC runs as gcm(aes) on an aead socket (the message as associated data, no plaintext). */
  readonly socket: 'hash' | 'aead';
}

const hmac = (h: string, macLen: number): MacSpec => ({ kernelName: `hmac(${h})`, keyLens: 'any', macLen, socket: 'hash' });

export const MACS: Readonly<Partial<Record<MacAlgorithm, MacSpec>>> = {
  'hmac-md5': hmac('md5', 16),
  'hmac-sha1': hmac('sha1', 20),
  'hmac-sha224': hmac('sha224', 28),
  'hmac-sha256': hmac('sha256', 32),
  'hmac-sha384': hmac('sha384', 48),
  'hmac-sha512': hmac('sha512', 64),
  'cmac-aes': { kernelName: 'cmac(aes)', keyLens: AES_KEYS, macLen: 16, socket: 'hash' },
  'cmac-3des': { kernelName: 'cmac(des3_ede)', keyLens: [24], macLen: 8, socket: 'hash' },
  'xcbc-aes': { kernelName: 'xcbc(aes)', keyLens: [16], macLen: 16, socket: 'hash' },
  'cbcmac-aes': { kernelName: 'cbcmac(aes)', keyLens: AES_KEYS, macLen: 16, socket: 'hash' },
  'gmac-aes': { kernelName: 'gcm(aes)', keyLens: AES_KEYS, macLen: 16, socket: 'aead' },
};

export const GMAC_NONCE_LEN = 12;

export interface AeadSpec {
  readonly kernelName: string;
  readonly keyLens: readonly number[];
  readonly tagLens: readonly number[];
  /** Nonce lengths the kernel takes (gcm(aes): 96-bit nonces only). */
  readonly nonceMin: number;
  readonly nonceMax: number;
}

export const AEADS: Readonly<Partial<Record<AeadAlgorithm, AeadSpec>>> = {
  'aes-gcm': { kernelName: 'gcm(aes)', keyLens: AES_KEYS, tagLens: [4, 8, 12, 13, 14, 15, 16], nonceMin: 12, nonceMax: 12 },
  'aes-ccm': { kernelName: 'ccm(aes)', keyLens: AES_KEYS, tagLens: [4, 6, 8, 10, 12, 14, 16], nonceMin: 7, nonceMax: 13 },
  'chacha20-poly1305': { kernelName: 'rfc7539(chacha20,poly1305)', keyLens: [32], tagLens: [16], nonceMin: 12, nonceMax: 12 },
};

/** One row of the whole table, for discovery. */
export interface TableRow {
  readonly service: 'cipher' | 'hash' | 'mac' | 'aead';
  readonly algorithm: CipherAlgorithm | HashAlgorithm | MacAlgorithm | AeadAlgorithm;
  readonly kernelName: string;
  readonly socket: AlgSocketType;
}

export function tableRows(): TableRow[] {
  const rows: TableRow[] = [];
  for (const [a, s] of Object.entries(CIPHERS)) rows.push({ service: 'cipher', algorithm: a as CipherAlgorithm, kernelName: s.kernelName, socket: 'skcipher' });
  for (const [a, s] of Object.entries(HASHES)) rows.push({ service: 'hash', algorithm: a as HashAlgorithm, kernelName: s.kernelName, socket: 'hash' });
  for (const [a, s] of Object.entries(MACS)) rows.push({ service: 'mac', algorithm: a as MacAlgorithm, kernelName: s.kernelName, socket: s.socket });
  for (const [a, s] of Object.entries(AEADS)) rows.push({ service: 'aead', algorithm: a as AeadAlgorithm, kernelName: s.kernelName, socket: 'aead' });
  return rows;
}
