// SPDX-License-Identifier: Apache-2.0
/**
 * Long-lived ECB and CBC cipher objects for one key: the hot-path helpers of the software backend.
 *
 * Constructing a node:crypto cipher costs about a microsecond, more than encrypting 64 bytes, so
 * a session keeps one encrypting and one decrypting object and feeds every request through them
 * with update() only (never final(): padding is off and inputs are whole blocks).
 *  - ECB is stateless between blocks, so reuse is exact.
 *  - CBC objects remember the last ciphertext block C' of the previous request. A request with IV
 *    v is made exact by a one-block correction: encrypt feeds P1 ⊕ v ⊕ C' as its first block
 *    (the object computes E(P1 ⊕ v ⊕ C' ⊕ C') = E(P1 ⊕ v)); decrypt XORs C' ⊕ v into the first
 *    output block (the object returned D(C1) ⊕ C').
 * If OpenSSL ever throws mid-request the objects are dropped and rebuilt, so the chaining value
 * never goes out of step. Callers validate lengths first. Knows nothing of virtio; holds no raw
 * key bytes (the KeyObject is OpenSSL's copy and cannot be wiped from JavaScript).
 */
import { createCipheriv, createDecipheriv, type Cipheriv, type Decipheriv, type KeyObject } from 'node:crypto';

export class EcbEngine {
  private enc: Cipheriv | undefined;
  private dec: Decipheriv | undefined;

  constructor(
    private readonly nodeName: string,
    private key: KeyObject | undefined,
  ) {}

  encrypt(src: Uint8Array): Buffer {
    try {
      this.enc ??= createCipheriv(this.nodeName, this.liveKey(), null).setAutoPadding(false);
      return this.enc.update(src);
    } catch (e: unknown) {
      this.enc = undefined;
      throw e;
    }
  }

  decrypt(src: Uint8Array): Buffer {
    try {
      this.dec ??= createDecipheriv(this.nodeName, this.liveKey(), null).setAutoPadding(false);
      return this.dec.update(src);
    } catch (e: unknown) {
      this.dec = undefined;
      throw e;
    }
  }

  /** Drops the key and cipher objects; the engine refuses work afterwards. */
  release(): void {
    this.enc = undefined;
    this.dec = undefined;
    this.key = undefined;
  }

  private liveKey(): KeyObject {
    if (this.key === undefined) throw new Error('cipher engine already released');
    return this.key;
  }
}

/**
 * From this size up, encrypt() with a destination makes two update() calls instead of copying
 * its input. Measured (docs/performance.md): at 1 KiB the second call costs more than the copy,
 * at 4–16 KiB the two are even within the noise, at 64 KiB the split saves 14–24 % of CPU.
 */
export const SPLIT_ENCRYPT_MIN = 32 * 1024;

export class CbcEngine {
  private enc: Cipheriv | undefined;
  private dec: Decipheriv | undefined;
  /** The chaining value each object holds: the last ciphertext block it processed. */
  private readonly encChain: Buffer;
  private readonly decChain: Buffer;

  constructor(
    private readonly nodeName: string,
    private key: KeyObject | undefined,
    private readonly blockLen: number,
  ) {
    this.encChain = Buffer.alloc(blockLen);
    this.decChain = Buffer.alloc(blockLen);
  }

  /**
   * CBC-encrypts src (whole blocks) under iv; src is not modified. Given a dst that holds the
   * output and a request long enough for it to pay, the corrected first block and the rest go
   * through the object as two updates written straight into dst (which may alias src: each part
   * is read whole before its output is written), instead of copying src to correct its first block.
   */
  encrypt(iv: Uint8Array, src: Uint8Array, dst?: Uint8Array): Uint8Array {
    if (dst !== undefined && dst.length >= src.length && src.length >= SPLIT_ENCRYPT_MIN) return this.encryptInto(iv, src, dst);
    const input = Buffer.allocUnsafe(src.length);
    input.set(src);
    return this.encryptInPlace(iv, input);
  }

  private encryptInto(iv: Uint8Array, src: Uint8Array, dst: Uint8Array): Uint8Array {
    const n = this.blockLen;
    const first = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) first[i] = src[i]! ^ iv[i]! ^ this.encChain[i]!;
    try {
      this.enc ??= createCipheriv(this.nodeName, this.liveKey(), this.encChain).setAutoPadding(false);
      const head = this.enc.update(first);
      const rest = this.enc.update(src.subarray(n));
      dst.set(head, 0);
      dst.set(rest, n);
      rest.copy(this.encChain, 0, rest.length - n);
      return dst.subarray(0, src.length);
    } catch (e: unknown) {
      this.enc = undefined;
      this.encChain.fill(0);
      throw e;
    }
  }

  /** As encrypt, but may overwrite `input` (a buffer the caller owns and discards). */
  encryptInPlace(iv: Uint8Array, input: Buffer): Buffer {
    const n = this.blockLen;
    if (input.length === 0) return Buffer.alloc(0);
    for (let i = 0; i < n; i++) input[i] = input[i]! ^ iv[i]! ^ this.encChain[i]!;
    try {
      this.enc ??= createCipheriv(this.nodeName, this.liveKey(), this.encChain).setAutoPadding(false);
      const out = this.enc.update(input);
      out.copy(this.encChain, 0, out.length - n);
      return out;
    } catch (e: unknown) {
      this.enc = undefined;
      this.encChain.fill(0);
      throw e;
    }
  }

  /** CBC-decrypts src (whole blocks) under iv. */
  decrypt(iv: Uint8Array, src: Uint8Array): Buffer {
    const n = this.blockLen;
    if (src.length === 0) return Buffer.alloc(0);
    try {
      this.dec ??= createDecipheriv(this.nodeName, this.liveKey(), this.decChain).setAutoPadding(false);
      const out = this.dec.update(src);
      for (let i = 0; i < n; i++) out[i] = out[i]! ^ this.decChain[i]! ^ iv[i]!;
      this.decChain.set(src.subarray(src.length - n));
      return out;
    } catch (e: unknown) {
      this.dec = undefined;
      this.decChain.fill(0);
      throw e;
    }
  }

  /** Drops the key and cipher objects and zeroes the chaining values (they are ciphertext, but cheap to clear). */
  release(): void {
    this.enc = undefined;
    this.dec = undefined;
    this.key = undefined;
    this.encChain.fill(0);
    this.decChain.fill(0);
  }

  private liveKey(): KeyObject {
    if (this.key === undefined) throw new Error('cipher engine already released');
    return this.key;
  }
}
