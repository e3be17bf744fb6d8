// SPDX-License-Identifier: Apache-2.0
/**
 * The kernel backend against a real kernel crypto API: this host's kernel has no AF_ALG, so the
 * Debian guest kernel (test/e2e/setup.sh) boots in QEMU with the host's root filesystem shared
 * read-only over 9p and a virtio-crypto device on QEMU's builtin backend (its guest driver,
 * virtio_crypto_aes_cbc, is an off-CPU engine: the guest's stand-in for an accelerator),
 * chroots into it and runs, with the project's own Node and vitest, the same known-answer suite the software backend passes (device-core/src/backends/kernel/kernel.test.ts,
 * VCRYPTO_REQUIRE_AF_ALG=1) and the auto backend's split test against that kernel. The guest
 * writes vitest's JSON report and `vcrypto capabilities --backend kernel|auto --output json`
 * (needs dist/, built by npm ci) to a writable share; this test counts passed, failed and skipped, prints
 * them, and checks the reported drivers. One boot, about 40-70 s under TCG on a quiet machine.
 * VCRYPTO_E2E_KERNEL_BENCH=1 also runs kernel.bench.ts in the guest (software vs kernel, ratios);
 * VCRYPTO_E2E_KERNEL_SELFTEST=1 also runs `vcrypto selftest` against a device on the kernel and
 * auto backends (about 80 s more under TCG, so not in CI's default run).
 * Needs test/e2e/setup.sh to have run (it is what `npm run test:e2e` runs first).
 */
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { findImages, pickAccelerator } from './lib/guest.js';
import { bootWithHostRoot, buildHostRootInitramfs, type HostRootBootResult } from './lib/kernel-guest.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const cacheDir = join(here, '.cache');
const runDir = process.env['VCRYPTO_E2E_RUN_DIR'] ?? join(cacheDir, 'runs', new Date().toISOString().replace(/[:.]/g, '-'));
const bootTimeoutMs = Number(process.env['VCRYPTO_E2E_BOOT_TIMEOUT_S'] ?? '240') * 1000;

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages?: string[] }[] }[];
}

/** Opt-in (about 75 s per run under TCG): the whole device through vhost-user with the kernel and auto backends. */
const selftest = process.env['VCRYPTO_E2E_KERNEL_SELFTEST'] === '1';
const SELFTEST_RUNS = ['kernel device', 'kernel cryptodev', 'auto device'] as const;
const SELFTEST_SCRIPT = SELFTEST_RUNS.map((r) => {
  const [backend, mode] = r.split(' ');
  return `./node_modules/.bin/node bin/vcrypto.js selftest --backend ${backend} --mode ${mode} > /tmp/kbout/selftest-${backend}-${mode}.txt 2>&1\n`;
}).join('');

/** Runs in the chroot: the project's Node on vitest, the result in the share. */
const script = `cd ${repoRoot}
export HOME=/tmp CI=1 NO_COLOR=1 VCRYPTO_REQUIRE_AF_ALG=1 VCRYPTO_GUEST_HARDWARE_DRIVER=virtio_crypto_aes_cbc
./node_modules/.bin/node node_modules/vitest/vitest.mjs run --configLoader runner --config test/e2e/kernel-backend/vitest.guest.config.ts -t "kernel backend|auto backend on the guest kernel"
echo "vitest exit $?"
./node_modules/.bin/node bin/vcrypto.js capabilities --backend kernel --output json > /tmp/kbout/capabilities.json
./node_modules/.bin/node bin/vcrypto.js capabilities --backend auto --output json > /tmp/kbout/capabilities-auto.json
echo "capabilities exit $?"
${selftest ? SELFTEST_SCRIPT : ''}${process.env['VCRYPTO_E2E_KERNEL_BENCH'] === '1' ? './node_modules/.bin/node node_modules/vitest/vitest.mjs bench --run --reporter=default --configLoader runner --config test/e2e/kernel-backend/vitest.guest.config.ts device-core/src/backends/kernel/kernel.bench.ts\n' : ''}`;

const images = findImages(cacheDir);
let boot: HostRootBootResult | undefined;
let report: VitestJson | undefined;
let setupProblem: string | undefined;

describe('kernel backend in the Debian guest kernel (AF_ALG)', () => {
  beforeAll(async () => {
    if ('missing' in images) {
      setupProblem = `e2e images missing (${images.missing.join(', ')}): run test/e2e/setup.sh first`;
      return;
    }
    const initramfs = buildHostRootInitramfs(cacheDir, join(here, 'kernel-backend'));
    if ('why' in initramfs) {
      setupProblem = `${initramfs.why} (run test/e2e/setup.sh first)`;
      return;
    }
    const dir = join(runDir, 'kernel-backend');
    mkdirSync(dir, { recursive: true });
    boot = await bootWithHostRoot({
      images,
      initrd: initramfs.initrd,
      accel: pickAccelerator().accel,
      dir,
      script,
      modulesDir: join(cacheDir, 'kernel', 'root', 'lib', 'modules'),
      timeoutMs: bootTimeoutMs,
      cryptoDevice: true,
      keepDir: repoRoot,
    });
    const json = join(boot.share, 'results.json');
    if (existsSync(json)) report = JSON.parse(readFileSync(json, 'utf8')) as VitestJson;
    const counts = report ? `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped` : 'no report';
    console.log(`kernel-backend guest: ${boot.ending} after ${boot.wallSeconds.toFixed(1)} s; ${counts}; files in ${dir}`);
  }, bootTimeoutMs + 60_000);

  it('boots, runs the suite with the project Node and powers off', () => {
    if (setupProblem !== undefined) throw new Error(setupProblem);
    expect(boot?.ending, boot?.serial.slice(-2000)).toBe('poweroff');
    expect(report, boot?.log.slice(-3000)).toBeDefined();
  });

  it('passes every known-answer and error-kind test the guest kernel serves, with none failed', () => {
    if (report === undefined) throw new Error(setupProblem ?? 'the guest wrote no vitest report');
    const all = report.testResults.flatMap((f) => f.assertionResults);
    const failed = all.filter((a) => a.status === 'failed');
    expect(failed.map((f) => `${f.fullName}: ${(f.failureMessages ?? []).join(' ').slice(0, 300)}`)).toEqual([]);
    const passed = (prefix: string): number => all.filter((a) => a.status === 'passed' && a.fullName.startsWith(prefix)).length;
    // AF_ALG was found and the expected algorithms advertised (not skipped).
    expect(passed('kernel backend availability')).toBe(1);
    // The vectors of every algorithm the kernel maps ran: ciphers, hashes, MACs, AEADs.
    expect(passed('kernel backend conformance (AF_ALG) cipher vectors')).toBeGreaterThanOrEqual(10);
    expect(passed('kernel backend conformance (AF_ALG) aead vectors')).toBeGreaterThanOrEqual(5);
    expect(passed('kernel backend conformance (AF_ALG) mac vectors')).toBeGreaterThanOrEqual(8);
    expect(passed('kernel backend conformance (AF_ALG) hash vectors')).toBeGreaterThanOrEqual(8);
  });

  it('vcrypto capabilities: the kernel backend picks the virtio-crypto driver for cbc(aes) as hardware, generic C drivers as software; auto splits accordingly', () => {
    if (boot === undefined) throw new Error(setupProblem ?? 'no boot');
    const read = (file: string): { backend: string; algorithms: { algorithm: string; service: string; driver: string; hardware: boolean }[] } => {
      const path = join(boot!.share, file);
      expect(existsSync(path), `${path} (is dist/ built? npm run build)\n${boot!.log.slice(-1500)}`).toBe(true);
      return JSON.parse(readFileSync(path, 'utf8')) as never;
    };
    const kernel = read('capabilities.json');
    const row = (doc: typeof kernel, a: string) => doc.algorithms.find((r) => r.algorithm === a);
    expect(kernel.backend).toBe('kernel');
    expect(row(kernel, 'aes-cbc')).toEqual({ algorithm: 'aes-cbc', service: 'cipher', driver: 'virtio_crypto_aes_cbc', hardware: true });
    expect(row(kernel, 'aes-ctr')).toEqual({ algorithm: 'aes-ctr', service: 'cipher', driver: 'ctr(aes-generic)', hardware: false });
    expect(row(kernel, 'aes-gcm')).toMatchObject({ service: 'aead', driver: 'gcm_base(ctr(aes-generic),ghash-generic)', hardware: false });
    expect(row(kernel, 'hmac-sha256')).toMatchObject({ service: 'mac', driver: 'hmac(sha256-generic)', hardware: false });
    expect(kernel.algorithms.filter((r) => r.service === 'akcipher')).toEqual([]);
    expect(kernel.algorithms.filter((r) => r.hardware).map((r) => r.algorithm)).toEqual(['aes-cbc']);
    const auto = read('capabilities-auto.json');
    expect(auto.backend).toBe('auto');
    expect(row(auto, 'aes-cbc')).toMatchObject({ driver: 'virtio_crypto_aes_cbc', hardware: true });
    expect(row(auto, 'aes-gcm')).toMatchObject({ driver: 'openssl', hardware: false });
    expect(row(auto, 'rsa')).toMatchObject({ driver: 'openssl' });
  });

  it.skipIf(!selftest)('vcrypto selftest passes through a device on the kernel and auto backends (VCRYPTO_E2E_KERNEL_SELFTEST=1)', () => {
    if (boot === undefined) throw new Error(setupProblem ?? 'no boot');
    for (const r of SELFTEST_RUNS) {
      const path = join(boot.share, `selftest-${r.replace(' ', '-')}.txt`);
      const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
      expect(text, `${r}: ${text.slice(-800)}`).toMatch(/^[1-9]\d* passed, 0 failed$/m);
    }
  });

  it('runs the auto backend split against the guest kernel', () => {
    if (report === undefined) throw new Error(setupProblem ?? 'the guest wrote no vitest report');
    const all = report.testResults.flatMap((f) => f.assertionResults);
    const auto = all.filter((a) => a.fullName.startsWith('auto backend on the guest kernel'));
    expect(auto.length).toBeGreaterThan(0);
    expect(auto.filter((a) => a.status !== 'passed').map((a) => a.fullName)).toEqual([]);
  });
});
