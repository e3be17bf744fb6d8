// SPDX-License-Identifier: Apache-2.0
/**
 * The kernel backend's sessions and requests against FakeAlg (this host has no AF_ALG): results
 * equal the software backend's, long cipher requests go in MSG_MORE parts with the IV chained,
 * sizes are refused before the kernel sees them, a failed request leaves a fresh operation
 * socket, the session bound holds and nothing leaks.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../software/index.js';
import { FakeAlg } from './fake-alg.js';
import { QAT_NODE, driverMap, mustOpen, mustRun, removeProcCrypto, writeProcCrypto } from './fake-proc.js';
import { KernelBackend } from './index.js';
import { CIPHER_PART_BYTES, SEND_LIMIT_BYTES } from './session.js';

const procPath = writeProcCrypto(QAT_NODE);
afterAll(() => removeProcCrypto(procPath));

function setup(maxSessions?: number): { api: FakeAlg; kernel: KernelBackend } {
  const api = new FakeAlg(driverMap(QAT_NODE));
  return { api, kernel: new KernelBackend({ api, procCryptoPath: procPath, ...(maxSessions !== undefined ? { maxSessions } : {}) }) };
}

const open = mustOpen;
const run = mustRun;

const sw = new SoftwareBackend();
const key = randomBytes(32);
const iv = randomBytes(16);

describe('kernel backend sessions (fake AF_ALG)', () => {
  it('advertises the chosen driver per algorithm', () => {
    const { kernel } = setup();
    expect(kernel.capabilities().cipher.get('aes-cbc')).toEqual({ driver: 'qat_aes_cbc', hardware: true });
    expect(kernel.capabilities().hash.get('sha256')).toEqual({ driver: 'sha256-avx2', hardware: false });
    expect(kernel.capabilities().akcipher.size).toBe(0);
  });

  it.each(['aes-cbc', 'aes-ctr'] as const)('%s: a request longer than one part is sent in parts and equals software', (algorithm) => {
    const { api, kernel } = setup();
    const src = randomBytes(3 * CIPHER_PART_BYTES + (algorithm === 'aes-ctr' ? 5 : 16));
    const ks = open(kernel, { kind: 'cipher', algorithm, key });
    const ss = open(sw, { kind: 'cipher', algorithm, key });
    const before = api.calls.send;
    const sealed = run(kernel, ks, { kind: 'cipher', direction: 'encrypt', iv, src });
    expect(api.calls.send - before).toBe(4);
    expect(sealed.equals(run(sw, ss, { kind: 'cipher', direction: 'encrypt', iv, src }))).toBe(true);
    expect(run(kernel, ks, { kind: 'cipher', direction: 'decrypt', iv, src: sealed }).equals(src)).toBe(true);
  });

  it('refuses a partial CBC block before the kernel sees it (an over-long read would block)', () => {
    const { api, kernel } = setup();
    const s = open(kernel, { kind: 'cipher', algorithm: 'aes-cbc', key });
    const r = kernel.run(s, { kind: 'cipher', direction: 'encrypt', iv, src: new Uint8Array(17) });
    expect(r.ok ? 'ok' : r.error.kind).toBe('invalid-argument');
    expect(api.calls.send).toBe(0);
  });

  it('hashes and MACs like software, cut to the result length', () => {
    const { kernel } = setup();
    const msg = randomBytes(1000);
    const h = open(kernel, { kind: 'hash', algorithm: 'sha256', resultLen: 20 });
    expect(run(kernel, h, { kind: 'hash', src: msg }).equals(run(sw, open(sw, { kind: 'hash', algorithm: 'sha256', resultLen: 20 }), { kind: 'hash', src: msg }))).toBe(true);
    const m = open(kernel, { kind: 'mac', algorithm: 'hmac-sha256', key, resultLen: 32 });
    const ms = open(sw, { kind: 'mac', algorithm: 'hmac-sha256', key, resultLen: 32 });
    expect(run(kernel, m, { kind: 'mac', src: msg, iv: new Uint8Array(0) }).equals(run(sw, ms, { kind: 'mac', src: msg, iv: new Uint8Array(0) }))).toBe(true);
  });

  it('AES-GCM: seals like software, reports a bad tag as auth-failed and keeps serving on a fresh socket', () => {
    const { api, kernel } = setup();
    const nonce = randomBytes(12);
    const aad = randomBytes(20);
    const src = randomBytes(100);
    const k = open(kernel, { kind: 'aead', algorithm: 'aes-gcm', key, tagLen: 16 });
    const s = open(sw, { kind: 'aead', algorithm: 'aes-gcm', key, tagLen: 16 });
    const sealed = run(kernel, k, { kind: 'aead', direction: 'encrypt', iv: nonce, aad, src });
    expect(sealed.equals(run(sw, s, { kind: 'aead', direction: 'encrypt', iv: nonce, aad, src }))).toBe(true);
    const fds = api.openFds;
    const bad = Buffer.from(sealed);
    bad[0]! ^= 1;
    const r = kernel.run(k, { kind: 'aead', direction: 'decrypt', iv: nonce, aad, src: bad });
    expect(r.ok ? 'ok' : r.error.kind).toBe('auth-failed');
    expect(api.openFds).toBe(fds);
    expect(run(kernel, k, { kind: 'aead', direction: 'decrypt', iv: nonce, aad, src: sealed }).equals(src)).toBe(true);
  });

  it('AES-GCM: a nonce other than 96 bits and a request over one send are not-supported (auto runs them in software)', () => {
    const { kernel } = setup();
    const k = open(kernel, { kind: 'aead', algorithm: 'aes-gcm', key, tagLen: 16 });
    const odd = kernel.run(k, { kind: 'aead', direction: 'encrypt', iv: randomBytes(16), aad: new Uint8Array(0), src: randomBytes(16) });
    expect(odd.ok ? 'ok' : odd.error.kind).toBe('not-supported');
    const big = kernel.run(k, { kind: 'aead', direction: 'encrypt', iv: randomBytes(12), aad: new Uint8Array(0), src: new Uint8Array(SEND_LIMIT_BYTES) });
    expect(big.ok ? 'ok' : big.error.kind).toBe('not-supported');
  });

  it('holds its session bound, refusing with a message that says so, and closes every socket', () => {
    const { api, kernel } = setup(3);
    const sessions = [0, 1, 2].map(() => open(kernel, { kind: 'hash', algorithm: 'sha256', resultLen: 32 }));
    expect(api.openFds).toBe(6);
    const refused = kernel.createSession({ kind: 'hash', algorithm: 'sha256', resultLen: 32 });
    expect(refused.ok ? 'ok' : refused.error.message).toMatch(/3 sessions open, its limit/);
    kernel.destroySession(sessions[0]!);
    expect(kernel.createSession({ kind: 'hash', algorithm: 'sha256', resultLen: 32 }).ok).toBe(true);
    kernel.close();
    expect(api.openFds).toBe(0);
  });

  it('refuses a wrong key size as invalid-key and an algorithm the kernel lacks as not-supported', () => {
    const { kernel } = setup();
    const badKey = kernel.createSession({ kind: 'cipher', algorithm: 'aes-cbc', key: new Uint8Array(15) });
    expect(badKey.ok ? 'ok' : badKey.error.kind).toBe('invalid-key');
    const absent = kernel.createSession({ kind: 'cipher', algorithm: 'aes-xts', key: randomBytes(64) });
    expect(absent.ok ? 'ok' : absent.error.kind).toBe('not-supported');
  });
});
