// SPDX-License-Identifier: Apache-2.0
/**
 * The auto backend's split. On any host: a kernel backend over FakeAlg and a fake /proc/crypto of
 * a node with a QAT accelerator, so cbc(aes) is hardware (kernel) and the rest software; the whole
 * conformance suite must pass through the split (expectAll: nothing the software backend offers
 * may go missing), and a request or session the kernel path refuses runs in software. Inside the
 * guest kernel (test/e2e/kernel-backend.e2e.test.ts, VCRYPTO_REQUIRE_AF_ALG=1) the same split runs
 * against the real kernel, with cbc(aes-generic) pinned so one algorithm goes to the kernel, and
 * unpinned where the guest has a hardware-class driver (VCRYPTO_GUEST_HARDWARE_DRIVER: the
 * virtio-crypto device's virtio_crypto_aes_cbc).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cipherVectors } from '../../../../test/support/vectors.js';
import { runBackendConformance } from '../conformance.js';
import { createCryptoBackend } from '../index.js';
import { FakeAlg } from '../kernel/fake-alg.js';
import { QAT_NODE, driverMap, mustOpen, mustRun, removeProcCrypto, writeProcCrypto } from '../kernel/fake-proc.js';
import { KernelBackend, KernelUnavailableError } from '../kernel/index.js';
import { CIPHER_PART_BYTES, SEND_LIMIT_BYTES } from '../kernel/session.js';
import { SoftwareBackend } from '../software/index.js';
import { AutoBackend } from './index.js';

const procPath = writeProcCrypto(QAT_NODE);
afterAll(() => removeProcCrypto(procPath));

function fakeAuto(maxSessions?: number): { api: FakeAlg; auto: AutoBackend } {
  const api = new FakeAlg(driverMap(QAT_NODE));
  const kernel = new KernelBackend({ api, procCryptoPath: procPath, ...(maxSessions !== undefined ? { maxSessions } : {}) });
  return { api, auto: new AutoBackend({ kernel, software: new SoftwareBackend() }) };
}

const open = mustOpen;
const run = mustRun;

const sw = new SoftwareBackend();
const key = randomBytes(32);

describe('auto backend split (fake kernel table: QAT serves cbc(aes))', () => {
  it('routes what a hardware driver serves to the kernel and the rest to software, and says so', () => {
    const { auto } = fakeAuto();
    expect(auto.capabilities().cipher.get('aes-cbc')).toEqual({ driver: 'qat_aes_cbc', hardware: true });
    expect(auto.routeOf('cipher', 'aes-cbc')).toBe('kernel');
    // Kernel-served but by CPU drivers (AES-NI, AVX2, generic C): OpenSSL does that as well.
    for (const [service, a] of [['cipher', 'aes-ctr'], ['hash', 'sha256'], ['aead', 'aes-gcm'], ['mac', 'hmac-sha256']] as const) {
      expect(auto.routeOf(service, a)).toBe('software');
      expect(auto.capabilities()[service].get(a as never)).toEqual({ driver: 'openssl', hardware: false });
    }
    expect(auto.capabilities().akcipher.get('rsa')).toEqual({ driver: 'openssl', hardware: false });
  });

  it('sends cbc(aes) requests through the kernel and sha256 through software', () => {
    const { api, auto } = fakeAuto();
    const c = open(auto, { kind: 'cipher', algorithm: 'aes-cbc', key });
    const h = open(auto, { kind: 'hash', algorithm: 'sha256', resultLen: 32 });
    run(auto, h, { kind: 'hash', src: randomBytes(64) });
    expect(api.calls.send).toBe(0);
    const src = randomBytes(CIPHER_PART_BYTES + 32);
    const iv = randomBytes(16);
    const out = run(auto, c, { kind: 'cipher', direction: 'encrypt', iv, src });
    expect(api.calls.send).toBe(2);
    expect(out.equals(run(sw, open(sw, { kind: 'cipher', algorithm: 'aes-cbc', key }), { kind: 'cipher', direction: 'encrypt', iv, src }))).toBe(true);
  });

  it('opens a session in software when the kernel refuses it for want of sockets', () => {
    const { api, auto } = fakeAuto(1);
    open(auto, { kind: 'cipher', algorithm: 'aes-cbc', key });
    const second = open(auto, { kind: 'cipher', algorithm: 'aes-cbc', key });
    const sends = api.calls.send;
    expect(run(auto, second, { kind: 'cipher', direction: 'encrypt', iv: randomBytes(16), src: randomBytes(32) }).length).toBe(32);
    expect(api.calls.send).toBe(sends);
  });

  it('returns the guest\'s own errors from the kernel unchanged (a bad key is not retried in software)', () => {
    const { auto } = fakeAuto();
    const r = auto.createSession({ kind: 'cipher', algorithm: 'aes-cbc', key: new Uint8Array(15) });
    expect(r.ok ? 'ok' : r.error.kind).toBe('invalid-key');
  });

  it('serves everything in software without AF_ALG, with one notice', () => {
    const notices: string[] = [];
    const b = createCryptoBackend('auto', { onNotice: (m) => notices.push(m) });
    const probe = (() => {
      try {
        return new KernelBackend();
      } catch (e: unknown) {
        return e;
      }
    })();
    if (probe instanceof KernelUnavailableError) {
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/kernel crypto API unavailable.*software/);
      expect(b.capabilities().cipher.get('aes-cbc')).toEqual({ driver: 'openssl', hardware: false });
    } else {
      expect(notices).toEqual([]);
    }
    b.close();
  });

  describe('the whole conformance suite through the split', () => {
    runBackendConformance(() => fakeAuto().auto, { expectAll: true });
  });
});

/** Against the running kernel, when it has AF_ALG (the guest); skipped here otherwise. */
function guestAuto(): AutoBackend | string {
  try {
    const kernel = new KernelBackend({ kernelDriver: 'cbc(aes-generic)' });
    return new AutoBackend({ kernel, software: new SoftwareBackend(), pinnedDriver: 'cbc(aes-generic)' });
  } catch (e: unknown) {
    if (e instanceof KernelUnavailableError) return e.message;
    throw e;
  }
}

const guest = guestAuto();
const onGuest = typeof guest !== 'string';
const required = process.env['VCRYPTO_REQUIRE_AF_ALG'] === '1';

describe(`auto backend on the guest kernel${onGuest ? '' : ` (skipped: ${guest}; see test/e2e/kernel-backend.e2e.test.ts)`}`, () => {
  it.skipIf(!onGuest && !required)('routes the pinned cbc(aes-generic) to the kernel and the rest to software', () => {
    if (typeof guest === 'string') throw new Error(guest);
    expect(guest.routeOf('cipher', 'aes-cbc')).toBe('kernel');
    expect(guest.capabilities().cipher.get('aes-cbc')).toEqual({ driver: 'cbc(aes-generic)', hardware: false });
    expect(guest.routeOf('aead', 'aes-gcm')).toBe('software');
  });

  const hardwareDriver = process.env['VCRYPTO_GUEST_HARDWARE_DRIVER'];
  it.skipIf(!onGuest || hardwareDriver === undefined)('unpinned, sends what the hardware driver serves to the kernel, and its vectors pass through it', () => {
    const auto = createCryptoBackend('auto') as AutoBackend;
    expect(auto.capabilities().cipher.get('aes-cbc')).toEqual({ driver: hardwareDriver, hardware: true });
    expect(auto.routeOf('cipher', 'aes-cbc')).toBe('kernel');
    expect(auto.routeOf('cipher', 'aes-ctr')).toBe('software');
    const v = cipherVectors().filter((x) => x.algorithm === 'aes-cbc');
    expect(v.length).toBeGreaterThan(0);
    for (const x of v) {
      const s = open(auto, { kind: 'cipher', algorithm: 'aes-cbc', key: x.key });
      expect(run(auto, s, { kind: 'cipher', direction: 'encrypt', iv: x.iv, src: x.plaintext }).toString('hex')).toBe(Buffer.from(x.ciphertext).toString('hex'));
      auto.destroySession(s);
    }
    auto.close();
  });

  it.skipIf(!onGuest)('matches software on long requests through the kernel (MSG_MORE parts, IV chained)', () => {
    if (typeof guest === 'string') throw new Error(guest);
    const src = randomBytes(3 * CIPHER_PART_BYTES + 48);
    const iv = randomBytes(16);
    const k = open(guest, { kind: 'cipher', algorithm: 'aes-cbc', key });
    const out = run(guest, k, { kind: 'cipher', direction: 'encrypt', iv, src });
    expect(out.equals(run(sw, open(sw, { kind: 'cipher', algorithm: 'aes-cbc', key }), { kind: 'cipher', direction: 'encrypt', iv, src }))).toBe(true);
    expect(run(guest, k, { kind: 'cipher', direction: 'decrypt', iv, src: out }).equals(src)).toBe(true);
  });

  it.skipIf(!onGuest)('the kernel backend alone matches software on long CTR, GCM and hash requests and refuses what it cannot send', () => {
    const kernel = new KernelBackend();
    const iv = randomBytes(16);
    const ctr = randomBytes(2 * CIPHER_PART_BYTES + 7);
    const kc = open(kernel, { kind: 'cipher', algorithm: 'aes-ctr', key });
    const sc = open(sw, { kind: 'cipher', algorithm: 'aes-ctr', key });
    expect(run(kernel, kc, { kind: 'cipher', direction: 'encrypt', iv, src: ctr }).equals(run(sw, sc, { kind: 'cipher', direction: 'encrypt', iv, src: ctr }))).toBe(true);
    const nonce = randomBytes(12);
    const aad = randomBytes(33);
    const msg = randomBytes(SEND_LIMIT_BYTES - 1024);
    const kg = open(kernel, { kind: 'aead', algorithm: 'aes-gcm', key, tagLen: 16 });
    const sg = open(sw, { kind: 'aead', algorithm: 'aes-gcm', key, tagLen: 16 });
    expect(run(kernel, kg, { kind: 'aead', direction: 'encrypt', iv: nonce, aad, src: msg }).equals(run(sw, sg, { kind: 'aead', direction: 'encrypt', iv: nonce, aad, src: msg }))).toBe(true);
    const big = kernel.run(kg, { kind: 'aead', direction: 'encrypt', iv: nonce, aad, src: randomBytes(SEND_LIMIT_BYTES) });
    expect(big.ok ? 'ok' : big.error.kind).toBe('not-supported');
    const data = randomBytes(1 << 20);
    const kh = open(kernel, { kind: 'hash', algorithm: 'sha512', resultLen: 64 });
    expect(run(kernel, kh, { kind: 'hash', src: data }).equals(run(sw, open(sw, { kind: 'hash', algorithm: 'sha512', resultLen: 64 }), { kind: 'hash', src: data }))).toBe(true);
    kernel.close();
  });

  describe.skipIf(!onGuest)('the whole conformance suite through the split on the guest kernel', () => {
    if (onGuest) runBackendConformance(() => guestAuto() as AutoBackend, { expectAll: true });
  });
});
