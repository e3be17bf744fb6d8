// SPDX-License-Identifier: Apache-2.0
// vitest configuration of the real-guest e2e suite (test/e2e): one file at a time, long timeouts,
// run from the repository root. The root vitest.config.ts excludes test/e2e.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/e2e/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/e2e/.cache/**'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    allowOnly: false,
    reporters: ['verbose'],
  },
});
