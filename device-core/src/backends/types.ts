// SPDX-License-Identifier: Apache-2.0
/**
 * The CryptoBackend interface every backend implements, and the vocabulary it speaks: our own
 * algorithm names, session parameters, operations and results. Backends know nothing of virtio:
 * crypto/algorithms.ts maps virtio algorithm ids to these names; crypto/ composes algorithm
 * chaining out of a cipher session and a hash or MAC session, so backends never see chaining.
 *
 * Calls are synchronous: node:crypto one-shot calls and AF_ALG system calls both are, and a
 * queue loop that never awaits a backend keeps its per-request cost low. A backend instance is
 * used by one thread; a device with several queue workers creates one instance per worker.
 */
import type { Result } from '../util/result.js';

export type CipherAlgorithm =
  | 'arc4'
  | 'aes-ecb'
  | 'aes-cbc'
  | 'aes-ctr'
  | 'aes-xts'
  | 'des-ecb'
  | 'des-cbc'
  | '3des-ecb'
  | '3des-cbc'
  | '3des-ctr';

export type HashAlgorithm =
  | 'md5'
  | 'sha1'
  | 'sha224'
  | 'sha256'
  | 'sha384'
  | 'sha512'
  | 'sha3-224'
  | 'sha3-256'
  | 'sha3-384'
  | 'sha3-512'
  | 'shake128'
  | 'shake256';

export type MacAlgorithm =
  | 'hmac-md5'
  | 'hmac-sha1'
  | 'hmac-sha224'
  | 'hmac-sha256'
  | 'hmac-sha384'
  | 'hmac-sha512'
  | 'cmac-aes'
  | 'cmac-3des'
  | 'gmac-aes'
  | 'xcbc-aes'
  | 'cbcmac-aes';

export type AeadAlgorithm = 'aes-gcm' | 'aes-ccm' | 'chacha20-poly1305';

export type AkcipherAlgorithm = 'rsa' | 'ecdsa-p256' | 'ecdsa-p384';

/** Where one algorithm is computed: the software library or a named kernel driver. */
export interface AlgorithmProvider {
  /** e.g. "openssl", "cbc(aes-generic)", "qat_aes_cbc". Never contains key material. */
  readonly driver: string;
  /** True when a hardware accelerator computes it. */
  readonly hardware: boolean;
}

/** What a backend can compute. An algorithm absent from a map is never advertised. */
export interface BackendCapabilities {
  readonly cipher: ReadonlyMap<CipherAlgorithm, AlgorithmProvider>;
  readonly hash: ReadonlyMap<HashAlgorithm, AlgorithmProvider>;
  readonly mac: ReadonlyMap<MacAlgorithm, AlgorithmProvider>;
  readonly aead: ReadonlyMap<AeadAlgorithm, AlgorithmProvider>;
  readonly akcipher: ReadonlyMap<AkcipherAlgorithm, AlgorithmProvider>;
}

export type Direction = 'encrypt' | 'decrypt';

export interface CipherSessionParams {
  readonly kind: 'cipher';
  readonly algorithm: CipherAlgorithm;
  /** A view of guest memory or a private copy; the backend copies what it keeps. */
  readonly key: Uint8Array;
}

export interface HashSessionParams {
  readonly kind: 'hash';
  readonly algorithm: HashAlgorithm;
  /** Bytes of digest the guest asked for (the XOF output length for SHAKE). */
  readonly resultLen: number;
}

export interface MacSessionParams {
  readonly kind: 'mac';
  readonly algorithm: MacAlgorithm;
  readonly key: Uint8Array;
  readonly resultLen: number;
}

export interface AeadSessionParams {
  readonly kind: 'aead';
  readonly algorithm: AeadAlgorithm;
  readonly key: Uint8Array;
  readonly tagLen: number;
}

export type RsaPadding = 'raw' | 'pkcs1';
export type RsaHash = 'none' | 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface AkcipherSessionParams {
  readonly kind: 'akcipher';
  readonly algorithm: AkcipherAlgorithm;
  readonly keyType: 'public' | 'private';
  /**
   * RSA: DER PKCS#1 RSAPublicKey or RSAPrivateKey (what the Linux driver sends).
   * ECDSA: DER SEC1 ECPrivateKey (private) or an uncompressed point 0x04||X||Y (public).
   */
  readonly key: Uint8Array;
  /** RSA only. */
  readonly padding: RsaPadding;
  /** RSA PKCS#1 sign/verify only: the DigestInfo hash; 'none' signs the raw input. */
  readonly hash: RsaHash;
}

export type SessionParams =
  | CipherSessionParams
  | HashSessionParams
  | MacSessionParams
  | AeadSessionParams
  | AkcipherSessionParams;

export type CryptoOp =
  | {
      readonly kind: 'cipher';
      readonly direction: Direction;
      readonly iv: Uint8Array;
      readonly src: Uint8Array;
      /** Where the caller will put the output; as for aead's dst (a backend may write there and return that view). */
      readonly dst?: Uint8Array;
    }
  | { readonly kind: 'hash'; readonly src: Uint8Array }
  /** iv is used by GMAC only (its nonce); other MACs ignore it. */
  | { readonly kind: 'mac'; readonly src: Uint8Array; readonly iv: Uint8Array }
  | {
      readonly kind: 'aead';
      readonly direction: Direction;
      readonly iv: Uint8Array;
      readonly aad: Uint8Array;
      /** encrypt: plaintext; decrypt: ciphertext followed by the tag. */
      readonly src: Uint8Array;
      /**
       * encrypt only: where the caller will put the output (the request's first writable view).
       * A backend may write ciphertext‖tag there and return that view of it, saving a copy; the
       * result is the same bytes either way. Written only after src and aad were read whole.
       */
      readonly dst?: Uint8Array;
    }
  | {
      readonly kind: 'akcipher';
      readonly operation: 'encrypt' | 'decrypt' | 'sign' | 'verify';
      /** encrypt/decrypt/sign: the input; verify: the signature. */
      readonly src: Uint8Array;
      /** verify only: the message or digest the signature covers. */
      readonly digest?: Uint8Array;
      /** The most bytes the guest can take back (dst_data_len). */
      readonly maxOutputLen: number;
    };

/**
 * Why a backend refused. crypto/status.ts maps each kind to exactly one virtio status:
 * not-supported → NOTSUPP, invalid-key / invalid-argument / internal → ERR,
 * auth-failed → BADMSG, signature-invalid → KEY_REJECTED.
 */
export type BackendErrorKind =
  | 'not-supported'
  | 'invalid-key'
  | 'invalid-argument'
  | 'auth-failed'
  | 'signature-invalid'
  | 'internal';

export class BackendError extends Error {
  readonly code: string;
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BackendError';
    this.code = `VCRYPTO_ERR_BACKEND_${kind.toUpperCase().replace(/-/g, '_')}`;
  }
}

/** Opaque per-backend session state. */
export interface BackendSession {
  readonly params: Pick<SessionParams, 'kind'>;
}

export interface CryptoBackend {
  /** "software", "kernel", "auto", "null". */
  readonly name: string;
  capabilities(): BackendCapabilities;
  /** Validates the parameters (key sizes, lengths) and keeps a private copy of the key. */
  createSession(params: SessionParams): Result<BackendSession, BackendError>;
  /** Returns the output bytes: cipher dst, digest, tag, ciphertext‖tag, akcipher result (empty for verify). */
  run(session: BackendSession, op: CryptoOp): Result<Uint8Array, BackendError>;
  /** Wipes the session's key material. Never fails. */
  destroySession(session: BackendSession): void;
  /** Releases every session and resource (sockets, fds). */
  close(): void;
}
