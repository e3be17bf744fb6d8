// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { BACKEND_KINDS, KernelUnavailableError, createCryptoBackend } from './index.js';

describe('createCryptoBackend', () => {
  it('builds every registered kind under its own name (kernel: or says AF_ALG is missing)', () => {
    for (const kind of BACKEND_KINDS) {
      try {
        expect(createCryptoBackend(kind).name).toBe(kind);
      } catch (e: unknown) {
        expect([kind, e]).toEqual(['kernel', expect.any(KernelUnavailableError)]);
      }
    }
  });

  it('gives a null backend that advertises nothing and refuses sessions as not-supported', () => {
    const b = createCryptoBackend('null');
    const caps = b.capabilities();
    expect([caps.cipher.size, caps.hash.size, caps.mac.size, caps.aead.size, caps.akcipher.size]).toEqual([0, 0, 0, 0, 0]);
    const r = b.createSession({ kind: 'hash', algorithm: 'sha256', resultLen: 32 });
    expect(r.ok ? 'ok' : r.error.kind).toBe('not-supported');
  });
});
