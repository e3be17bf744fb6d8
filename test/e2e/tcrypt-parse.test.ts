// SPDX-License-Identifier: Apache-2.0
/**
 * The tcrypt log parser and the comparison table against a real capture: the serial console of a
 * Debian 6.1 guest running `tcrypt mode=600 sec=1` on QEMU's builtin backend
 * (fixtures/tcrypt-600-builtin-serial.txt), where one result arrives on a later line after an
 * unrelated kernel message. Runs with the e2e suite; needs no QEMU.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compare, formatTable, slowerThanBuiltin } from './lib/report.js';
import { firstPair, pairComplete, parseTcryptLog, partialPair } from './lib/tcrypt.js';

const capture = readFileSync(fileURLToPath(new URL('./fixtures/tcrypt-600-builtin-serial.txt', import.meta.url)), 'utf8');

describe('tcrypt log parser', () => {
  const parsed = parseTcryptLog(capture);

  it('finds the sections with their driver and direction', () => {
    expect(parsed.sections.map((s) => `${s.kind} ${s.algorithm} ${s.driver} ${s.direction}`)).toEqual([
      'multibuffer cbc(aes) virtio_crypto_aes_cbc encryption',
      'multibuffer cbc(aes) virtio_crypto_aes_cbc decryption',
      'multibuffer cbc(aes) virtio_crypto_aes_cbc encryption',
    ]);
    expect(parsed.unavailable).toContain('ecb(aes)');
    expect(parsed.unavailable).toContain('xts(aes)');
  });

  it('reads every measurement of the first pair, including a result split over two lines', () => {
    const { encryption, decryption } = firstPair(parsed, 'cbc(aes)');
    expect(encryption?.rows).toHaveLength(21);
    expect(decryption?.rows).toHaveLength(21);
    expect(encryption?.rows[1]).toEqual({ keyBits: 128, blockBytes: 64, operations: 39032, seconds: 1, bytes: 2498048, opsPerSecond: 39032, mbPerSecond: 2.498048 });
    expect(new Set(encryption?.rows.map((r) => r.blockBytes))).toEqual(new Set([16, 64, 128, 256, 1024, 1424, 4096]));
    expect(new Set(encryption?.rows.map((r) => r.keyBits))).toEqual(new Set([128, 192, 256]));
  });

  it('counts a measurement cut off by the end of the log as incomplete, not as a row', () => {
    const last = 'test 20 (256 bit key, 4096 byte blocks): ';
    const cut = capture.slice(0, capture.indexOf(last) + last.length);
    const p = parseTcryptLog(cut);
    expect(p.sections[0]?.rows).toHaveLength(20);
    expect(p.sections[0]?.incomplete).toBe(1);
    expect(firstPair(p, 'cbc(aes)').encryption).toBeUndefined();
    // A stalled baseline still contributes the measurements it made.
    expect(partialPair(p, 'cbc(aes)').encryption?.rows).toHaveLength(20);
    expect(partialPair(p, 'cbc(aes)').decryption).toBeUndefined();
  });

  it('knows when the first encryption and decryption pair is complete', () => {
    expect(pairComplete(capture, 'cbc(aes)')).toBe(true);
    expect(pairComplete(capture.slice(0, capture.lastIndexOf('testing speed of')), 'cbc(aes)')).toBe(false);
  });
});

describe('comparison table', () => {
  const pair = firstPair(parseTcryptLog(capture), 'cbc(aes)');
  const halved = (s: typeof pair.encryption) =>
    s ? { ...s, rows: s.rows.map((r) => ({ ...r, operations: r.operations / 2, opsPerSecond: r.opsPerSecond / 2, bytes: r.bytes / 2, mbPerSecond: r.mbPerSecond / 2 })) } : undefined;

  it('pairs rows by mode, direction, key and block size and reports the ratio', () => {
    const half = { encryption: halved(pair.encryption), decryption: halved(pair.decryption) };
    const rows = compare([
      { mode: 600, backend: 'builtin', driver: 'virtio_crypto_aes_cbc', sections: pair },
      { mode: 600, backend: 'vcrypto', driver: 'virtio_crypto_aes_cbc', sections: { ...(half.encryption ? { encryption: half.encryption } : {}), ...(half.decryption ? { decryption: half.decryption } : {}) } },
    ]);
    expect(rows).toHaveLength(42);
    expect(rows[0]).toMatchObject({ direction: 'encryption', keyBits: 128, blockBytes: 16, ratio: 0.5 });
    expect(slowerThanBuiltin(rows)).toHaveLength(42);
    const table = formatTable(rows, 8);
    expect(table).toContain('mode 600 (multibuffer, 8 in flight)');
    expect(table.split('\n').filter((l) => /^(enc|dec) /.test(l))).toHaveLength(42);
  });

  it('leaves the other backend empty when only one was measured', () => {
    const rows = compare([{ mode: 600, backend: 'builtin', driver: 'virtio_crypto_aes_cbc', sections: pair }]);
    expect(rows.every((r) => r.vcrypto === undefined && r.ratio === undefined)).toBe(true);
  });
});
