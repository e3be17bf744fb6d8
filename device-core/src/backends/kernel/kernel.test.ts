// SPDX-License-Identifier: Apache-2.0
/**
 * The backend conformance suite (known-answer vectors, error kinds) against the real kernel
 * backend, where the running kernel has AF_ALG. This host's kernel has none, so here it reports
 * itself skipped; test/e2e/kernel-backend.e2e.test.ts boots a Debian kernel in QEMU and runs this
 * same file inside it with VCRYPTO_REQUIRE_AF_ALG=1, where a missing AF_ALG is a failure.
 */
import { describe, expect, it } from 'vitest';
import { runBackendConformance } from '../conformance.js';
import { KernelBackend, KernelUnavailableError } from './index.js';

function probe(): { backend: KernelBackend } | { why: string } {
  try {
    return { backend: new KernelBackend() };
  } catch (e: unknown) {
    if (e instanceof KernelUnavailableError) return { why: e.message };
    throw e;
  }
}

const found = probe();
const required = process.env['VCRYPTO_REQUIRE_AF_ALG'] === '1';

describe('kernel backend availability', () => {
  it.skipIf(!required)('finds AF_ALG and the algorithms the guest kernel serves', () => {
    expect('why' in found ? found.why : 'available').toBe('available');
    if ('backend' in found) {
      const caps = found.backend.capabilities();
      for (const a of ['aes-cbc', 'aes-ctr', 'aes-xts', 'aes-ecb'] as const) expect(caps.cipher.has(a), a).toBe(true);
      for (const a of ['aes-gcm', 'aes-ccm', 'chacha20-poly1305'] as const) expect(caps.aead.has(a), a).toBe(true);
      for (const a of ['sha1', 'sha256', 'sha512', 'sha3-256'] as const) expect(caps.hash.has(a), a).toBe(true);
      for (const a of ['hmac-sha256', 'cmac-aes', 'gmac-aes'] as const) expect(caps.mac.has(a), a).toBe(true);
      found.backend.close();
    }
  });
});

if ('backend' in found) {
  found.backend.close();
  describe('kernel backend conformance (AF_ALG)', () => {
    runBackendConformance(() => new KernelBackend(), { expectAll: false });
  });
} else {
  describe(`kernel backend conformance: skipped, ${found.why}; run test/e2e/setup.sh and the e2e suite (test/e2e/kernel-backend.e2e.test.ts) to run it in a guest kernel`, () => {
    it.skip('needs AF_ALG', () => undefined);
  });
}
