// SPDX-License-Identifier: Apache-2.0
/**
 * Encrypting into the caller's destination (CryptoOp dst) gives the bytes of the ordinary path,
 * also when dst is src itself (an in-place request), and keeps CBC's chaining exact for the
 * requests after it.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SPLIT_ENCRYPT_MIN } from './block-modes.js';
import { SoftwareBackend } from './index.js';

const cbc = (key: Buffer, iv: Uint8Array, p: Uint8Array): Buffer => {
  const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  return Buffer.concat([c.update(p), c.final()]);
};

describe('encrypting into the destination', () => {
  const b = new SoftwareBackend();
  const key = randomBytes(16);

  it('AES-CBC: the same ciphertext into a separate dst, in place, and without dst, request after request', () => {
    const s = b.createSession({ kind: 'cipher', algorithm: 'aes-cbc', key });
    if (!s.ok) throw new Error('no session');
    for (const size of [16, 1024, SPLIT_ENCRYPT_MIN - 16, SPLIT_ENCRYPT_MIN, 65536]) {
      for (const how of ['separate', 'in-place', 'none'] as const) {
        const iv = randomBytes(16);
        const plain = randomBytes(size);
        const src = Buffer.from(plain);
        const dst = how === 'separate' ? Buffer.alloc(size + 7) : how === 'in-place' ? src : undefined;
        const r = b.run(s.value, { kind: 'cipher', direction: 'encrypt', iv, src, ...(dst !== undefined ? { dst } : {}) });
        if (!r.ok) throw new Error(r.error.message);
        expect(Buffer.from(r.value).equals(cbc(key, iv, plain)), `${size} B ${how}`).toBe(true);
        if (dst !== undefined && size >= SPLIT_ENCRYPT_MIN) expect(r.value.buffer).toBe(dst.buffer);
      }
    }
  });

  it('AES-GCM: ciphertext and tag into dst, in place, the same as without dst', () => {
    const s = b.createSession({ kind: 'aead', algorithm: 'aes-gcm', key: randomBytes(32), tagLen: 16 });
    if (!s.ok) throw new Error('no session');
    const iv = randomBytes(12);
    const aad = randomBytes(13);
    const plain = randomBytes(4096);
    const plainOut = b.run(s.value, { kind: 'aead', direction: 'encrypt', iv, aad, src: plain });
    const inPlace = Buffer.alloc(4096 + 16);
    plain.copy(inPlace);
    const into = b.run(s.value, { kind: 'aead', direction: 'encrypt', iv, aad, src: inPlace.subarray(0, 4096), dst: inPlace });
    if (!plainOut.ok || !into.ok) throw new Error('seal failed');
    expect(into.value.buffer).toBe(inPlace.buffer);
    expect(Buffer.from(into.value).equals(Buffer.from(plainOut.value))).toBe(true);
    // too small a dst: the ordinary path
    const small = b.run(s.value, { kind: 'aead', direction: 'encrypt', iv, aad, src: plain, dst: Buffer.alloc(100) });
    if (!small.ok) throw new Error('seal failed');
    expect(Buffer.from(small.value).equals(Buffer.from(plainOut.value))).toBe(true);
  });
});
