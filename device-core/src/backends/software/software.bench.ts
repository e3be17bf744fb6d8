// SPDX-License-Identifier: Apache-2.0
/**
 * Micro-benchmark of the software backend's hot path against plain node:crypto loops (not a test:
 * run with `npx vitest bench --run device-core/src/backends/software`). Each group compares
 * backend.run() with what a caller would write by hand: a cipher built per request from a Buffer
 * key, and from a KeyObject. Quote ratios within one run; the machine is shared and noisy.
 */
import { createCipheriv, createHmac, createSecretKey, hash, randomBytes } from 'node:crypto';
import { bench, describe } from 'vitest';
import type { BackendSession, CryptoOp } from '../types.js';
import { SoftwareBackend } from './index.js';

const backend = new SoftwareBackend();
const key = randomBytes(16);
const keyObject = createSecretKey(key);
const iv = randomBytes(16);

function open(p: Parameters<SoftwareBackend['createSession']>[0]): BackendSession {
  const r = backend.createSession(p);
  if (!r.ok) throw r.error;
  return r.value;
}

const cbc = open({ kind: 'cipher', algorithm: 'aes-cbc', key });
const gcm = open({ kind: 'aead', algorithm: 'aes-gcm', key, tagLen: 16 });
const sha = open({ kind: 'hash', algorithm: 'sha256', resultLen: 32 });
const hmac = open({ kind: 'mac', algorithm: 'hmac-sha256', key: randomBytes(32), resultLen: 32 });

function mustRun(s: BackendSession, op: CryptoOp): void {
  if (!backend.run(s, op).ok) throw new Error('benchmark operation failed');
}

for (const size of [64, 1024, 16384, 65536]) {
  const src = randomBytes(size);
  describe(`aes-128-cbc encrypt ${size} B`, () => {
    bench('backend.run', () => mustRun(cbc, { kind: 'cipher', direction: 'encrypt', iv, src }));
    bench('node one-shot, Buffer key', () => {
      const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
      c.update(src);
      c.final();
    });
    bench('node one-shot, KeyObject', () => {
      const c = createCipheriv('aes-128-cbc', keyObject, iv).setAutoPadding(false);
      c.update(src);
      c.final();
    });
  });
  describe(`aes-128-cbc decrypt ${size} B`, () => {
    bench('backend.run', () => mustRun(cbc, { kind: 'cipher', direction: 'decrypt', iv, src }));
    bench('node one-shot, KeyObject', () => {
      const c = createCipheriv('aes-128-cbc', keyObject, iv).setAutoPadding(false);
      c.update(src);
      c.final();
    });
  });
  describe(`aes-128-gcm encrypt ${size} B`, () => {
    const nonce = iv.subarray(0, 12);
    const aad = new Uint8Array(0);
    bench('backend.run', () => mustRun(gcm, { kind: 'aead', direction: 'encrypt', iv: nonce, aad, src }));
    bench('node one-shot, Buffer key', () => {
      const c = createCipheriv('aes-128-gcm', key, nonce);
      c.update(src);
      c.final();
      c.getAuthTag();
    });
  });
  describe(`sha256 ${size} B`, () => {
    bench('backend.run', () => mustRun(sha, { kind: 'hash', src }));
    bench('node crypto.hash', () => {
      hash('sha256', src, 'buffer');
    });
  });
  describe(`hmac-sha256 ${size} B`, () => {
    const hmacKey = randomBytes(32);
    bench('backend.run', () => mustRun(hmac, { kind: 'mac', src, iv: new Uint8Array(0) }));
    bench('node createHmac, Buffer key', () => {
      createHmac('sha256', hmacKey).update(src).digest();
    });
  });
}
