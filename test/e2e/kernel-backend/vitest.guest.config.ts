// SPDX-License-Identifier: Apache-2.0
// vitest configuration used INSIDE the kernel-backend guest (test/e2e/kernel-backend): the host's
// root is read-only there, so Vite's cache goes to the guest's tmpfs, and results are written as
// JSON to the result share for the host to judge.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  cacheDir: '/tmp/vitest-cache',
  test: {
    include: ['device-core/src/backends/kernel/kernel.test.ts', 'device-core/src/backends/auto/auto.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: '/tmp/kbout/results.json' },
  },
});
