// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { isHardwareDriver } from './classify.js';
import { discoverKernelAlgorithms } from './discovery.js';
import { KernelDriverError, KernelUnavailableError } from './errors.js';
import { FakeAlg } from './fake-alg.js';
import { QAT_NODE, driverMap, procCryptoText } from './fake-proc.js';
import { parseProcCrypto } from './proc-crypto.js';

const GUEST_SAMPLE = `name         : gcm(aes)
driver       : gcm_base(ctr(aes-generic),ghash-generic)
module       : gcm
priority     : 100
refcnt       : 1
selftest     : passed
internal     : no
type         : aead
async        : no
blocksize    : 1
ivsize       : 12
maxauthsize  : 16
geniv        : <none>

name         : aes
driver       : aes-generic
module       : kernel
priority     : 100
refcnt       : 1
selftest     : passed
internal     : no
type         : cipher
blocksize    : 16
min keysize  : 16
max keysize  : 32
`;

describe('/proc/crypto parser', () => {
  it('reads name, driver, module, priority, selftest, internal and type per entry', () => {
    expect(parseProcCrypto(GUEST_SAMPLE)).toEqual([
      { name: 'gcm(aes)', driver: 'gcm_base(ctr(aes-generic),ghash-generic)', module: 'gcm', priority: 100, selftest: 'passed', internal: false, type: 'aead' },
      { name: 'aes', driver: 'aes-generic', module: 'kernel', priority: 100, selftest: 'passed', internal: false, type: 'cipher' },
    ]);
  });

  it('skips entries without a name, driver or type and never throws on garbage', () => {
    expect(parseProcCrypto('name : x\n\n: :\n\nrandom words\n')).toEqual([]);
    for (let i = 0; i < 200; i++) {
      const junk = Array.from({ length: 64 }, () => String.fromCharCode(Math.floor(Math.random() * 128))).join('');
      expect(() => parseProcCrypto(junk)).not.toThrow();
    }
  });
});

describe('hardware-versus-software rule', () => {
  it.each([
    ['cbc(aes-generic)', false],
    ['gcm_base(ctr(aes-generic),ghash-generic)', false],
    ['rfc7539(chacha20-generic,poly1305-generic)', false],
    ['xts(ecb(aes-aesni))', false],
    ['cbc-aes-aesni', false],
    ['sha256-avx2', false],
    ['sha256-ni', false],
    ['ghash-clmulni', false],
    ['des3_ede-asm', false],
    ['cbc-aes-ce', false],
    ['sha256-ce', false],
    ['xts-aes-neonbs', false],
    ['aes-fixed-time', false],
    ['qat_aes_cbc', true],
    ['cbc-aes-ccp', true],
    ['cbc-aes-caam', true],
    ['virtio_crypto_aes_cbc', true],
    ['cbc-aes-sun8i-ce', true],
    ['cmac(ccp-aes)', true],
    ['hisi_sec_aes_cbc', true],
  ])('%s is hardware: %s', (driver, hardware) => {
    expect(isHardwareDriver(driver)).toBe(hardware);
  });
});

const discover = (kernelDriver?: string) =>
  discoverKernelAlgorithms({
    api: new FakeAlg(driverMap(QAT_NODE)),
    readProcCrypto: () => parseProcCrypto(procCryptoText(QAT_NODE)),
    ...(kernelDriver !== undefined ? { kernelDriver } : {}),
  });

describe('capability discovery and driver choice', () => {
  it('prefers the hardware driver over a higher-priority-than-generic CPU driver, reports generic ones as software', () => {
    const found = new Map(discover().map((a) => [a.algorithm, a]));
    expect(found.get('aes-cbc')).toMatchObject({ driver: 'qat_aes_cbc', hardware: true, kernelName: 'cbc(aes)', socket: 'skcipher' });
    expect(found.get('aes-ctr')).toMatchObject({ driver: 'ctr-aes-aesni', hardware: false });
    expect(found.get('sha256')).toMatchObject({ driver: 'sha256-avx2', hardware: false, socket: 'hash' });
    expect(found.get('hmac-sha256')).toMatchObject({ driver: 'hmac(sha256-generic)', hardware: false });
  });

  it('ignores entries whose self-test failed and internal ones', () => {
    const gcm = discover().find((a) => a.algorithm === 'aes-gcm');
    expect(gcm).toMatchObject({ driver: 'gcm_base(ctr(aes-generic),ghash-generic)', hardware: false });
  });

  it('maps gmac-aes to the gcm(aes) aead and leaves out what the kernel does not serve', () => {
    const found = discover();
    expect(found.find((a) => a.algorithm === 'gmac-aes')).toMatchObject({ kernelName: 'gcm(aes)', socket: 'aead' });
    expect(found.some((a) => a.algorithm === 'aes-xts')).toBe(false);
  });

  it('pins --kernel-driver for what it serves, even when it is not the preferred one', () => {
    const found = new Map(discover('cbc(aes-generic)').map((a) => [a.algorithm, a]));
    expect(found.get('aes-cbc')?.driver).toBe('cbc(aes-generic)');
    expect(found.get('sha256')?.driver).toBe('sha256-avx2');
  });

  it('refuses a pinned driver that serves nothing it maps', () => {
    expect(() => discover('no_such_driver')).toThrow(KernelDriverError);
  });

  it('says AF_ALG is missing when socket(AF_ALG) fails with EAFNOSUPPORT', () => {
    const api = new FakeAlg();
    api.missing = true;
    expect(() => discoverKernelAlgorithms({ api, readProcCrypto: () => [] })).toThrow(KernelUnavailableError);
  });
});
