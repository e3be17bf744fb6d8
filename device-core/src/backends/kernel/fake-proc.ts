// SPDX-License-Identifier: Apache-2.0
/**
 * A /proc/crypto text for tests: a node with an accelerator (names as Intel QAT registers them)
 * next to the generic C drivers and AES-NI, for the driver names FakeAlg serves; and the
 * session helpers the kernel and auto tests share. Test-only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackendSession, CryptoBackend, CryptoOp, SessionParams } from '../types.js';
export interface FakeEntry {
  readonly name: string;
  readonly driver: string;
  readonly module: string;
  readonly priority: number;
  readonly type: string;
  readonly selftest?: string;
  readonly internal?: boolean;
}

export const QAT_NODE: readonly FakeEntry[] = [
  { name: 'cbc(aes)', driver: 'cbc(aes-generic)', module: 'kernel', priority: 100, type: 'skcipher' },
  { name: 'cbc(aes)', driver: 'cbc-aes-aesni', module: 'aesni_intel', priority: 400, type: 'skcipher' },
  { name: 'cbc(aes)', driver: 'qat_aes_cbc', module: 'intel_qat', priority: 4001, type: 'skcipher' },
  { name: 'ctr(aes)', driver: 'ctr(aes-generic)', module: 'ctr', priority: 100, type: 'skcipher' },
  { name: 'ctr(aes)', driver: 'ctr-aes-aesni', module: 'aesni_intel', priority: 400, type: 'skcipher' },
  { name: 'sha256', driver: 'sha256-generic', module: 'kernel', priority: 100, type: 'shash' },
  { name: 'sha256', driver: 'sha256-avx2', module: 'sha256_ssse3', priority: 170, type: 'shash' },
  { name: 'hmac(sha256)', driver: 'hmac(sha256-generic)', module: 'kernel', priority: 100, type: 'shash' },
  { name: 'gcm(aes)', driver: 'gcm_base(ctr(aes-generic),ghash-generic)', module: 'gcm', priority: 100, type: 'aead' },
  { name: 'gcm(aes)', driver: 'qat_aes_gcm', module: 'intel_qat', priority: 4001, type: 'aead', selftest: 'failed' },
  { name: '__gcm(aes)', driver: '__generic-gcm-aesni', module: 'aesni_intel', priority: 400, type: 'aead', internal: true },
];

/** Driver name → kernel name, for FakeAlg's bind by driver. */
export const driverMap = (entries: readonly FakeEntry[]): Record<string, string> =>
  Object.fromEntries(entries.map((e) => [e.driver, e.name]));

export function procCryptoText(entries: readonly FakeEntry[]): string {
  return entries
    .map((e) =>
      [
        `name         : ${e.name}`,
        `driver       : ${e.driver}`,
        `module       : ${e.module}`,
        `priority     : ${e.priority}`,
        'refcnt       : 1',
        `selftest     : ${e.selftest ?? 'passed'}`,
        `internal     : ${e.internal === true ? 'yes' : 'no'}`,
        `type         : ${e.type}`,
      ].join('\n'),
    )
    .join('\n\n');
}

/**
 * Writes the text to a file in a new temp folder and returns its path (KernelBackend's
 * procCryptoPath, read whenever a backend probes). Remove it with removeProcCrypto once no
 * backend reads it any more (a test file's afterAll).
 */
export function writeProcCrypto(entries: readonly FakeEntry[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vcrypto-proc-')), 'crypto');
  writeFileSync(path, procCryptoText(entries));
  return path;
}

/** Removes what writeProcCrypto made: the file and its temp folder. */
export function removeProcCrypto(path: string): void {
  rmSync(dirname(path), { recursive: true, force: true });
}

/** createSession that throws the BackendError instead of returning it (tests). */
export function mustOpen(b: CryptoBackend, p: SessionParams): BackendSession {
  const r = b.createSession(p);
  if (!r.ok) throw r.error;
  return r.value;
}

/** run that throws the BackendError instead of returning it (tests). */
export function mustRun(b: CryptoBackend, s: BackendSession, op: CryptoOp): Buffer {
  const r = b.run(s, op);
  if (!r.ok) throw r.error;
  return Buffer.from(r.value);
}
