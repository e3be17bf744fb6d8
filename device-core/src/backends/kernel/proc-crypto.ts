// SPDX-License-Identifier: Apache-2.0
/**
 * Parses /proc/crypto: one entry per registered algorithm implementation, "key : value" lines,
 * entries separated by blank lines. Owns the text format only; which entry serves an algorithm
 * is discovery.ts's job, and whether a driver is hardware is classify.ts's. Never throws on odd
 * input: an entry without a name, driver or type is skipped, unknown keys are ignored.
 */
import { readFileSync } from 'node:fs';

export interface ProcCryptoEntry {
  /** The algorithm name users ask for, e.g. "cbc(aes)". */
  readonly name: string;
  /** The implementation's unique name, e.g. "cbc(aes-generic)" or "qat_aes_cbc". */
  readonly driver: string;
  /** The module it lives in ("kernel" when built in). */
  readonly module: string;
  /** Higher wins when the kernel resolves a name. */
  readonly priority: number;
  /** "passed", "unknown" (not yet tested) or a failure. */
  readonly selftest: string;
  /** Internal entries are building blocks userspace cannot bind. */
  readonly internal: boolean;
  /** "skcipher", "shash", "ahash", "aead", "cipher", "akcipher", "rng", ... */
  readonly type: string;
}

export const PROC_CRYPTO_PATH = '/proc/crypto';

export function parseProcCrypto(text: string): ProcCryptoEntry[] {
  const out: ProcCryptoEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of block.split('\n')) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const key = line.slice(0, i).trim();
      // The first occurrence wins (a block never repeats a key; this keeps a garbled one sane).
      if (!f.has(key)) f.set(key, line.slice(i + 1).trim());
    }
    const name = f.get('name');
    const driver = f.get('driver');
    const type = f.get('type');
    if (!name || !driver || !type) continue;
    const priority = Number.parseInt(f.get('priority') ?? '0', 10);
    out.push({
      name,
      driver,
      type,
      module: f.get('module') ?? 'unknown',
      priority: Number.isFinite(priority) ? priority : 0,
      selftest: f.get('selftest') ?? 'unknown',
      internal: f.get('internal') === 'yes',
    });
  }
  return out;
}

/** Reads and parses the file (a path so tests and other roots can be used). */
export function readProcCrypto(path: string = PROC_CRYPTO_PATH): ProcCryptoEntry[] {
  return parseProcCrypto(readFileSync(path, 'utf8'));
}
