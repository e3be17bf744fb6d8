// SPDX-License-Identifier: Apache-2.0
/**
 * Software backend against kernel backend, same algorithm and sizes (not a test). Needs AF_ALG:
 * on this host it defines nothing; inside the e2e guest run it with
 *   VCRYPTO_E2E_KERNEL_BENCH=1 npx vitest run --config test/e2e/vitest.config.ts test/e2e/kernel-backend.e2e.test.ts
 * which appends `vitest bench` of this file to the guest's script (results in the run's share/run.log).
 * Under TCG with the qemu64 CPU the kernel's drivers are the generic C ones and OpenSSL has no
 * AES-NI either; quote ratios within one run, never absolute numbers (shared, noisy machine).
 */
import { randomBytes } from 'node:crypto';
import { bench, describe } from 'vitest';
import { SoftwareBackend } from '../software/index.js';
import type { BackendSession, CryptoBackend, SessionParams } from '../types.js';
import { KernelBackend, KernelUnavailableError } from './index.js';

function kernelOrNull(): KernelBackend | null {
  try {
    return new KernelBackend();
  } catch (e: unknown) {
    if (e instanceof KernelUnavailableError) return null;
    throw e;
  }
}

const kernel = kernelOrNull();
const software = new SoftwareBackend();
const key = randomBytes(16);
const iv = randomBytes(16);

function open(b: CryptoBackend, p: SessionParams): BackendSession {
  const r = b.createSession(p);
  if (!r.ok) throw r.error;
  return r.value;
}

if (kernel !== null) {
  const pairs = [
    { label: 'aes-128-cbc encrypt', params: { kind: 'cipher', algorithm: 'aes-cbc', key } as const, sizes: [1024, 65536] },
    { label: 'aes-128-gcm seal', params: { kind: 'aead', algorithm: 'aes-gcm', key, tagLen: 16 } as const, sizes: [1024, 16384] },
    { label: 'sha256', params: { kind: 'hash', algorithm: 'sha256', resultLen: 32 } as const, sizes: [1024, 65536] },
  ];
  for (const { label, params, sizes } of pairs) {
    for (const size of sizes) {
      const src = randomBytes(size);
      const op =
        params.kind === 'cipher'
          ? ({ kind: 'cipher', direction: 'encrypt', iv, src } as const)
          : params.kind === 'aead'
            ? ({ kind: 'aead', direction: 'encrypt', iv: iv.subarray(0, 12), aad: new Uint8Array(0), src } as const)
            : ({ kind: 'hash', src } as const);
      describe(`${label} ${size} B`, () => {
        for (const b of [software, kernel] as CryptoBackend[]) {
          const s = open(b, params);
          bench(b.name, () => {
            if (!b.run(s, op).ok) throw new Error(`${b.name} ${label} failed`);
          }, { time: 1000 });
        }
      });
    }
  }
}
