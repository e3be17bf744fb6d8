// SPDX-License-Identifier: Apache-2.0
/**
 * The fuzz engine itself: coverage guidance must carry it through four nested checks (one in
 * 65536 inputs passes them all blindly) to a planted bug, and it must report the crashing input
 * and save it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzz } from './engine.js';

/** Four nested checks of one nibble each: 1 in 65536 blind, a few hundred runs each with guidance. */
function planted(d: Uint8Array): void {
  if (d.length < 6) return;
  if ((d[2]! & 0xf0) === 0xa0) {
    if ((d[3]! & 0xf0) === 0x50) {
      if ((d[4]! & 0xf0) === 0xc0) {
        if ((d[5]! & 0xf0) === 0x30) throw new RangeError('planted bug reached');
      }
    }
  }
}

describe('the coverage-guided fuzz engine', () => {
  it('finds a bug behind four nested checks and saves the input', { timeout: 300_000 }, () => {
    const r = fuzz({ name: 'planted', seeds: [Buffer.alloc(8)], seconds: 240, maxRuns: 20_000, coverage: /engine\.test\.ts/, target: planted });
    console.log(`planted bug found after ${r.execs} runs`);
    expect(r.crash?.error).toMatch(/planted bug reached/);
    const input = Buffer.from(r.crash!.input, 'hex');
    expect([...input.subarray(2, 6)].map((b) => b & 0xf0)).toEqual([0xa0, 0x50, 0xc0, 0x30]);
    expect(existsSync(r.crash!.file) && readFileSync(r.crash!.file).equals(input)).toBe(true);
  });
});
