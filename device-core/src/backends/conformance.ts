// SPDX-License-Identifier: Apache-2.0
/**
 * The backend conformance suite: known-answer vectors (test/fixtures/vectors, see its README) for
 * every advertised algorithm, Wycheproof ECDSA verification cases, and the error kinds every
 * backend must report the same way. Any backend runs it with its own factory:
 *   runBackendConformance(() => createCryptoBackend('kernel'), { expectAll: false })
 * With expectAll false, vectors of algorithms the backend does not advertise are skipped (shown
 * as skipped, not passed). Test-only: imported from *.test.ts files, excluded from the build.
 */
import { describe, expect, it } from 'vitest';
import { aeadVectors, akcipherVectors, cipherVectors, ecdsaVerifyVectors, hashVectors, macVectors } from '../../../test/support/vectors.js';
import type { BackendSession, CryptoBackend, CryptoOp, SessionParams } from './types.js';

export interface ConformanceOptions {
  /** Fail when a vector's algorithm is not advertised (the software backend advertises them all). */
  readonly expectAll: boolean;
}

function open(b: CryptoBackend, p: SessionParams): BackendSession {
  const r = b.createSession(p);
  if (!r.ok) throw r.error;
  return r.value;
}

function run(b: CryptoBackend, s: BackendSession, op: CryptoOp): Uint8Array {
  const r = b.run(s, op);
  if (!r.ok) throw r.error;
  return r.value;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function runBackendConformance(factory: () => CryptoBackend, options: ConformanceOptions): void {
  const backend = factory();
  const caps = backend.capabilities();
  const skip = (has: boolean): boolean => !has && !options.expectAll;

  describe('cipher vectors', () => {
    for (const v of cipherVectors()) {
      it.skipIf(skip(caps.cipher.has(v.algorithm)))(`${v.algorithm} encrypts and decrypts (${v.source})`, () => {
        const s = open(backend, { kind: 'cipher', algorithm: v.algorithm, key: v.key });
        expect(hex(run(backend, s, { kind: 'cipher', direction: 'encrypt', iv: v.iv, src: v.plaintext }))).toBe(hex(v.ciphertext));
        expect(hex(run(backend, s, { kind: 'cipher', direction: 'decrypt', iv: v.iv, src: v.ciphertext }))).toBe(hex(v.plaintext));
        backend.destroySession(s);
      });
    }
  });

  describe('hash vectors', () => {
    for (const v of hashVectors()) {
      it.skipIf(skip(caps.hash.has(v.algorithm)))(`${v.algorithm} digests (${v.source})`, () => {
        const s = open(backend, { kind: 'hash', algorithm: v.algorithm, resultLen: v.digest.length });
        expect(hex(run(backend, s, { kind: 'hash', src: v.message }))).toBe(hex(v.digest));
      });
    }
  });

  describe('mac vectors', () => {
    for (const v of macVectors()) {
      it.skipIf(skip(caps.mac.has(v.algorithm)))(`${v.algorithm} authenticates (${v.source})`, () => {
        const s = open(backend, { kind: 'mac', algorithm: v.algorithm, key: v.key, resultLen: v.tag.length });
        expect(hex(run(backend, s, { kind: 'mac', src: v.message, iv: v.iv }))).toBe(hex(v.tag));
      });
    }
  });

  describe('aead vectors', () => {
    for (const v of aeadVectors()) {
      it.skipIf(skip(caps.aead.has(v.algorithm)))(`${v.algorithm} seals, opens and rejects a bad tag (${v.source})`, () => {
        const s = open(backend, { kind: 'aead', algorithm: v.algorithm, key: v.key, tagLen: v.tag.length });
        const sealed = run(backend, s, { kind: 'aead', direction: 'encrypt', iv: v.iv, aad: v.aad, src: v.plaintext });
        expect(hex(sealed)).toBe(hex(v.ciphertext) + hex(v.tag));
        const opened = run(backend, s, { kind: 'aead', direction: 'decrypt', iv: v.iv, aad: v.aad, src: sealed });
        expect(hex(opened)).toBe(hex(v.plaintext));
        const bad = Buffer.from(sealed);
        bad[bad.length - 1]! ^= 1;
        const r = backend.run(s, { kind: 'aead', direction: 'decrypt', iv: v.iv, aad: v.aad, src: bad });
        expect(r.ok ? 'ok' : r.error.kind).toBe('auth-failed');
      });
    }
  });

  describe('akcipher vectors', () => {
    for (const v of akcipherVectors()) {
      it.skipIf(skip(caps.akcipher.has(v.algorithm)))(`${v.algorithm} ${v.operation} (${v.source})`, () => {
        const base = { kind: 'akcipher', algorithm: v.algorithm, padding: v.padding, hash: v.hash } as const;
        const priv = open(backend, { ...base, keyType: 'private', key: v.privateKey });
        const pub = open(backend, { ...base, keyType: 'public', key: v.publicKey });
        const max = 4096;
        if (v.operation === 'sign') {
          expect(hex(run(backend, priv, { kind: 'akcipher', operation: 'sign', src: v.input, maxOutputLen: max }))).toBe(hex(v.output));
        }
        if (v.operation === 'encrypt') {
          expect(hex(run(backend, pub, { kind: 'akcipher', operation: 'encrypt', src: v.input, maxOutputLen: max }))).toBe(hex(v.output));
          expect(hex(run(backend, priv, { kind: 'akcipher', operation: 'decrypt', src: v.output, maxOutputLen: max }))).toBe(hex(v.input));
        }
        if (v.operation === 'sign' || v.operation === 'verify') {
          const ok = backend.run(pub, { kind: 'akcipher', operation: 'verify', src: v.output, digest: v.input, maxOutputLen: 0 });
          expect(ok.ok).toBe(true);
          const forged = Buffer.from(v.output);
          forged[5]! ^= 0x40;
          const bad = backend.run(pub, { kind: 'akcipher', operation: 'verify', src: forged, digest: v.input, maxOutputLen: 0 });
          expect(bad.ok ? 'ok' : bad.error.kind).toBe('signature-invalid');
        }
        if (v.algorithm !== 'rsa') {
          const sig = run(backend, priv, { kind: 'akcipher', operation: 'sign', src: v.input, maxOutputLen: max });
          const again = backend.run(pub, { kind: 'akcipher', operation: 'verify', src: sig, digest: v.input, maxOutputLen: 0 });
          expect(again.ok).toBe(true);
        }
      });
    }
  });

  describe('ecdsa verification vectors (a given digest, r||s)', () => {
    for (const v of ecdsaVerifyVectors()) {
      it.skipIf(skip(caps.akcipher.has(v.algorithm)))(`${v.algorithm} ${v.valid ? 'accepts' : 'rejects'} (${v.source})`, () => {
        const pub = open(backend, { kind: 'akcipher', algorithm: v.algorithm, keyType: 'public', key: v.publicKey, padding: 'raw', hash: 'none' });
        const r = backend.run(pub, { kind: 'akcipher', operation: 'verify', src: v.signature, digest: v.digest, maxOutputLen: 0 });
        expect(r.ok ? 'ok' : r.error.kind).toBe(v.valid ? 'ok' : 'signature-invalid');
        backend.destroySession(pub);
      });
    }
  });

  describe('sessions keep no state between requests', () => {
    it.skipIf(skip(caps.cipher.has('aes-cbc')))('aes-cbc gives the vector result again after unrelated requests on the same session', () => {
      const v = cipherVectors().find((x) => x.algorithm === 'aes-cbc');
      if (v === undefined) throw new Error('cipher.json has no aes-cbc vector');
      const s = open(backend, { kind: 'cipher', algorithm: 'aes-cbc', key: v.key });
      const noise = Buffer.alloc(48, 0x5a);
      run(backend, s, { kind: 'cipher', direction: 'encrypt', iv: Buffer.alloc(16, 1), src: noise });
      run(backend, s, { kind: 'cipher', direction: 'decrypt', iv: Buffer.alloc(16, 2), src: noise });
      expect(hex(run(backend, s, { kind: 'cipher', direction: 'encrypt', iv: v.iv, src: v.plaintext }))).toBe(hex(v.ciphertext));
      expect(hex(run(backend, s, { kind: 'cipher', direction: 'decrypt', iv: v.iv, src: v.ciphertext }))).toBe(hex(v.plaintext));
      backend.destroySession(s);
    });
  });

  describe('errors every backend reports the same way', () => {
    it.skipIf(skip(caps.cipher.has('aes-cbc')))('refuses an AES key of the wrong size as invalid-key', () => {
      const r = backend.createSession({ kind: 'cipher', algorithm: 'aes-cbc', key: new Uint8Array(15) });
      expect(r.ok ? 'ok' : r.error.kind).toBe('invalid-key');
    });

    it.skipIf(skip(caps.cipher.has('aes-cbc')))('refuses a CBC input that is not whole blocks as invalid-argument', () => {
      const s = open(backend, { kind: 'cipher', algorithm: 'aes-cbc', key: new Uint8Array(16) });
      const r = backend.run(s, { kind: 'cipher', direction: 'encrypt', iv: new Uint8Array(16), src: new Uint8Array(17) });
      expect(r.ok ? 'ok' : r.error.kind).toBe('invalid-argument');
    });

    it('refuses a run on a destroyed session', () => {
      const s = open(backend, { kind: 'hash', algorithm: 'sha256', resultLen: 32 });
      backend.destroySession(s);
      expect(backend.run(s, { kind: 'hash', src: new Uint8Array(1) }).ok).toBe(false);
    });

    it.skipIf(skip(caps.aead.has('aes-gcm')))('refuses an AES-GCM input shorter than its tag as invalid-argument', () => {
      const s = open(backend, { kind: 'aead', algorithm: 'aes-gcm', key: new Uint8Array(16), tagLen: 16 });
      const r = backend.run(s, { kind: 'aead', direction: 'decrypt', iv: new Uint8Array(12), aad: new Uint8Array(0), src: new Uint8Array(15) });
      expect(r.ok ? 'ok' : r.error.kind).toBe('invalid-argument');
    });

    it('keeps key bytes out of error messages', () => {
      const key = Buffer.from('00112233445566778899aabbccddeeff11', 'hex');
      const r = backend.createSession({ kind: 'cipher', algorithm: 'aes-cbc', key });
      const text = r.ok ? '' : `${r.error.message} ${String(r.error.cause ?? '')}`;
      expect(text).not.toContain(key.toString('hex'));
    });
  });
}
