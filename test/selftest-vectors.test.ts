// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SELFTEST_VECTORS } from '../device-core/src/selftest/vectors.js';

const load = (n: string): { algorithm: string }[] => JSON.parse(readFileSync(new URL(`./fixtures/vectors/${n}.json`, import.meta.url), 'utf8')) as { algorithm: string }[];

describe('self-test vectors', () => {
  it('are the first fixture vector of every algorithm, unchanged', () => {
    for (const service of ['cipher', 'hash', 'mac', 'aead'] as const) {
      const firsts = new Map<string, unknown>();
      for (const v of load(service)) if (!firsts.has(v.algorithm)) firsts.set(v.algorithm, v);
      expect(SELFTEST_VECTORS[service]).toEqual([...firsts.values()]);
    }
    expect(SELFTEST_VECTORS.akcipher).toEqual(load('akcipher'));
  });
});
