// SPDX-License-Identifier: Apache-2.0
/**
 * The real-guest end-to-end test: a Debian kernel in QEMU (KVM if it works, TCG otherwise) with a
 * virtio-crypto-pci device on a running `vcrypto device` (vhost-user) and, for comparison, on
 * QEMU's builtin backend. It shows that
 *   (a) the guest's virtio_crypto driver registers cbc(aes) as virtio_crypto_aes_cbc and the
 *       kernel's self-test passes through our device;
 *   (b) tcrypt's cbc(aes) speed test runs bound to that driver through both backends (table and
 *       JSON, reported, never asserted on speed);
 *   (c) the device outlives a guest that powers off, one that is stopped mid-traffic, and serves
 *       the next boots.
 * Needs test/e2e/setup.sh to have run. Knobs: see test/e2e/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceLogRecords, findDeviceCommand, startDevice, type DeviceCommand, type RunningDevice } from './lib/device.js';
import { bootGuest, findImages, parseProcCrypto, pickAccelerator, qemuVersion, type BootResult, type GuestImages } from './lib/guest.js';
import { compare, formatTable, slowerThanBuiltin, type BackendName, type ModeMeasurement } from './lib/report.js';
import { firstPair, parseTcryptLog, partialPair } from './lib/tcrypt.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const env = process.env;
const modes = (env['VCRYPTO_E2E_MODES'] ?? '600,500')
  .split(',')
  .map((m) => m.trim())
  .filter((m) => m !== '')
  .map(Number);
const sec = Number(env['VCRYPTO_E2E_SEC'] ?? '1');
const numMb = Number(env['VCRYPTO_E2E_NUM_MB'] ?? '8');
const bootTimeoutMs = Number(env['VCRYPTO_E2E_BOOT_TIMEOUT_S'] ?? '240') * 1000;
const requireDevice = env['VCRYPTO_E2E_REQUIRE_DEVICE'] === '1';

const runId = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = env['VCRYPTO_E2E_RUN_DIR'] ?? join(here, '.cache', 'runs', runId);

const images = findImages(join(here, '.cache'));
const deviceCmd = findDeviceCommand(repoRoot);
const accel = pickAccelerator();

let device: RunningDevice | undefined;
let socketDir: string | undefined;
const boots: BootResult[] = [];
const measurements: ModeMeasurement[] = [];
const notes: string[] = [];

function imagesOrThrow(): GuestImages {
  if ('missing' in images) throw new Error(`e2e images missing (${images.missing.join(', ')}): run test/e2e/setup.sh first`);
  return images;
}

/** The skip (or failure, with VCRYPTO_E2E_REQUIRE_DEVICE=1) when there is no device to test. */
function deviceOrSkip(ctx: { skip: (note?: string) => never }): { cmd: DeviceCommand; dev: RunningDevice } {
  if ('missing' in deviceCmd) {
    const why = `SKIPPED: vcrypto device is missing: ${deviceCmd.missing}`;
    if (requireDevice) throw new Error(why);
    ctx.skip(why);
  }
  if (!device) {
    const why = 'SKIPPED: the vcrypto device did not start (see the "starts" test)';
    if (requireDevice) throw new Error(why);
    ctx.skip(why);
  }
  return { cmd: deviceCmd as DeviceCommand, dev: device as RunningDevice };
}

function describeBoot(b: BootResult): string {
  const tail = (s: string, n: number): string => s.split('\n').slice(-n).join('\n');
  return [
    `boot ${b.name}: ending=${b.ending} exit=${b.exitCode ?? '-'} signal=${b.signal ?? '-'} wall=${b.wallSeconds.toFixed(1)}s`,
    `events: ${b.events.join(' | ')}`,
    `qemu stderr: ${b.qemuStderr.trim() || '(empty)'}`,
    `serial (last 15 lines):\n${tail(b.serial, 15)}`,
  ].join('\n');
}

/** (a): the guest registered cbc(aes) as virtio_crypto_aes_cbc and its self-test passed. */
function expectDriverRegistered(b: BootResult): void {
  const entries = parseProcCrypto(b.procCrypto);
  const cbc = entries.find((e) => e.driver === 'virtio_crypto_aes_cbc');
  expect(cbc, `no virtio_crypto_aes_cbc in the guest's /proc/crypto\n${describeBoot(b)}`).toBeDefined();
  expect(cbc).toMatchObject({ name: 'cbc(aes)', module: 'virtio_crypto', selftest: 'passed' });
  // With a qemu64 CPU (no AES-NI) the virtio driver is the kernel's first choice for cbc(aes).
  const best = entries.filter((e) => e.name === 'cbc(aes)').sort((x, y) => y.priority - x.priority)[0];
  expect(best?.driver).toBe('virtio_crypto_aes_cbc');
}

/** (b): tcrypt measured cbc(aes) through virtio_crypto_aes_cbc in both directions. */
function recordTcrypt(b: BootResult, mode: number, backend: BackendName): void {
  const parsed = parseTcryptLog(b.tcryptLog);
  const pair = firstPair(parsed, 'cbc(aes)');
  const why = `tcrypt mode ${mode} through ${backend} gave no complete cbc(aes) encryption+decryption pair\n${describeBoot(b)}`;
  expect(pair.encryption, why).toBeDefined();
  expect(pair.decryption, why).toBeDefined();
  expect(pair.encryption?.driver).toBe('virtio_crypto_aes_cbc');
  expect(pair.decryption?.driver).toBe('virtio_crypto_aes_cbc');
  for (const s of [pair.encryption, pair.decryption]) for (const r of s?.rows ?? []) expect(r.operations, `${backend} ${s?.direction} ${r.keyBits}/${r.blockBytes}`).toBeGreaterThan(0);
  measurements.push({ mode, backend, driver: 'virtio_crypto_aes_cbc', sections: pair });
}

/** Device CPU seconds used during each vcrypto boot (from /proc, reported in the JSON). */
const deviceCpu: Record<string, number> = {};

async function boot(name: string, backend: BackendName, tcryptMode?: number, deviceOptions?: string): Promise<BootResult> {
  const cpuBefore = backend === 'vcrypto' ? device?.cpuSeconds() : undefined;
  const result = await bootGuest({
    name,
    images: imagesOrThrow(),
    accel: accel.accel,
    backend: backend === 'builtin' ? { kind: 'builtin' } : { kind: 'vhost-user', socket: (device as RunningDevice).socket },
    dir: join(runDir, name),
    ...(tcryptMode !== undefined ? { tcryptMode, tcryptSeconds: sec, numMb } : {}),
    timeoutMs: bootTimeoutMs,
    ...(deviceOptions !== undefined ? { deviceOptions } : {}),
  });
  boots.push(result);
  const cpuAfter = backend === 'vcrypto' ? device?.cpuSeconds() : undefined;
  if (cpuBefore !== undefined && cpuAfter !== undefined) deviceCpu[name] = Math.round((cpuAfter - cpuBefore) * 100) / 100;
  const cpu = deviceCpu[name] !== undefined ? `, device used ${deviceCpu[name].toFixed(2)} CPU s` : '';
  console.log(`[e2e] ${name}: ${result.ending} after ${result.wallSeconds.toFixed(1)} s${cpu}`);
  return result;
}

function expectDeviceAlive(after: string): void {
  const dev = device as RunningDevice;
  expect(dev.alive(), `vcrypto device exited after ${after}: ${JSON.stringify(dev.exit())}\n${dev.log().slice(-3000)}`).toBe(true);
}

beforeAll(() => {
  mkdirSync(runDir, { recursive: true });
  console.log(`[e2e] run directory ${runDir}`);
  console.log(`[e2e] accelerator ${accel.accel} (${accel.why}); tcrypt modes ${modes.join(',')} sec=${sec} num_mb=${numMb}`);
  if (!('missing' in images)) console.log(`[e2e] guest kernel ${images.kernelVersion} (${images.kernelPackage}), booting ${images.kernel}`);
  console.log(`[e2e] device: ${'missing' in deviceCmd ? `MISSING (${deviceCmd.missing})` : deviceCmd.description}`);
});

afterAll(async () => {
  if (device?.alive()) await device.stop();
  if (socketDir) rmSync(socketDir, { recursive: true, force: true });
});

// The tests run in this order, one guest at a time, so that each mode's vcrypto and builtin runs
// are measured back to back (the machine is shared; neighbours' load drifts).
describe('real guest (QEMU + Debian kernel + virtio_crypto)', () => {
  it('has the guest images from setup.sh', () => {
    const img = imagesOrThrow();
    expect(img.kernelVersion).toMatch(/amd64$/);
  });

  it('vcrypto device starts and listens on its socket', async (ctx) => {
    if ('missing' in deviceCmd) deviceOrSkip(ctx);
    socketDir = mkdtempSync(join(tmpdir(), 'vcrypto-e2e-'));
    device = await startDevice(deviceCmd as DeviceCommand, join(socketDir, 'vhost.sock'), join(runDir, 'device.log'));
    expect(device.alive()).toBe(true);
  });

  it('(a) vcrypto boot 1: the driver registers cbc(aes) through our device, its self-test passes, the guest powers off', async (ctx) => {
    deviceOrSkip(ctx);
    const b = await boot('vcrypto-boot1', 'vcrypto');
    expect(b.ending, describeBoot(b)).toBe('poweroff');
    expectDriverRegistered(b);
    expect(b.events, describeBoot(b)).toContain('done');
    expectDeviceAlive('boot 1 powered off');
  });

  modes.forEach((mode, i) => {
    it(`(b)+(c) vcrypto boot ${i + 2}: tcrypt mode ${mode} cbc(aes) through our device, served after the earlier guest left`, async (ctx) => {
      deviceOrSkip(ctx);
      const b = await boot(`vcrypto-boot${i + 2}-tcrypt${mode}`, 'vcrypto', mode);
      expect(['stopped-after-tcrypt', 'poweroff'], describeBoot(b)).toContain(b.ending);
      expectDriverRegistered(b);
      recordTcrypt(b, mode, 'vcrypto');
      const cpu = deviceCpu[b.name];
      const bytes = parseTcryptLog(b.tcryptLog).sections.flatMap((s) => s.rows).reduce((sum, r) => sum + r.bytes, 0);
      if (cpu !== undefined && bytes > 0) {
        notes.push(`mode ${mode}: the device used ${cpu.toFixed(2)} CPU s for ${(bytes / 1e6).toFixed(1)} MB of tcrypt data (${(cpu / (bytes / 1e9)).toFixed(1)} CPU s/GB, boot included)`);
        console.log(`[e2e] ${notes[notes.length - 1]}`);
      }
      // The guest was stopped (SIGTERM to QEMU) with requests in flight: the device must stay up.
      await new Promise((r) => setTimeout(r, 500));
      expectDeviceAlive(`boot ${i + 2} (tcrypt ${mode}) ended with ${b.ending}`);
    });

    it(`(b) builtin backend: tcrypt mode ${mode} cbc(aes) through QEMU's cryptodev-backend-builtin, for comparison`, async () => {
      let b = await boot(`builtin-tcrypt${mode}`, 'builtin', mode);
      // Through QEMU 7.2's builtin backend the guest's tcrypt mode 600 often waits forever for a
      // request (INTx or MSI-X, event_idx on or off, at any measurement; never seen through
      // vcrypto). QEMU's queue state shows every available request used and signalled, so the
      // request is lost in the guest (see README). The builtin backend is only the baseline
      // here: on a stall it gets one more try, then the measurements it did make count, with the
      // gaps shown in the table and the notes. A stall through vcrypto fails (our device may have
      // lost the request).
      if (b.ending === 'tcrypt-stalled') {
        notes.push(`builtin tcrypt mode ${mode}: the guest's requests stalled (no tcrypt result for 30 s, serial in ${join(runDir, b.name)}); retried once`);
        console.log(`[e2e] ${notes[notes.length - 1]}`);
        const first = b;
        b = await boot(`builtin-tcrypt${mode}-retry`, 'builtin', mode);
        if (b.ending === 'tcrypt-stalled') {
          // Keep what the longer of the two stalled runs measured; the table shows the gaps.
          const rows = (x: BootResult): number => parseTcryptLog(x.tcryptLog).sections.reduce((n, sec) => n + sec.rows.length, 0);
          if (rows(first) > rows(b)) b = first;
          notes.push(`builtin tcrypt mode ${mode}: stalled again; the comparison uses the ${rows(b)} measurements of ${b.name}`);
          console.log(`[e2e] ${notes[notes.length - 1]}`);
          expectDriverRegistered(b);
          const pair = partialPair(parseTcryptLog(b.tcryptLog), 'cbc(aes)');
          expect(pair.encryption?.driver, describeBoot(b)).toBe('virtio_crypto_aes_cbc');
          measurements.push({ mode, backend: 'builtin', driver: 'virtio_crypto_aes_cbc', sections: pair });
          return;
        }
      }
      expect(['stopped-after-tcrypt', 'poweroff'], describeBoot(b)).toContain(b.ending);
      expectDriverRegistered(b);
      recordTcrypt(b, mode, 'builtin');
    });
  });

  it(`(c) vcrypto boot ${modes.length + 2}: after a guest was stopped mid-traffic, the next guest still gets cbc(aes) with a passing self-test`, async (ctx) => {
    deviceOrSkip(ctx);
    const b = await boot(`vcrypto-boot${modes.length + 2}`, 'vcrypto');
    expect(b.ending, describeBoot(b)).toBe('poweroff');
    expectDriverRegistered(b);
    expectDeviceAlive(`boot ${modes.length + 2} powered off`);
  });

  it('(c) vcrypto served every boot on one process, saw each frontend come and go, and stops cleanly on SIGTERM', async (ctx) => {
    const { dev } = deviceOrSkip(ctx);
    const vcryptoBoots = boots.filter((b) => b.name.startsWith('vcrypto-')).length;
    const count = (prefix: string): number => deviceLogRecords(dev.log()).filter((r) => String(r['msg'] ?? '').startsWith(prefix)).length;
    const deadline = Date.now() + 5_000;
    while (count('Frontend left') < vcryptoBoots && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const records = deviceLogRecords(dev.log());
    const problems = records.filter((r) => r['level'] === 'error' || r['level'] === 'warn');
    if (problems.length > 0) notes.push(`device warnings/errors: ${JSON.stringify(problems).slice(0, 2000)}`);
    expect(count('Frontend connected'), dev.log().slice(-3000)).toBe(vcryptoBoots);
    expect(count('Frontend left'), dev.log().slice(-3000)).toBe(vcryptoBoots);
    expect(problems, 'the device logged warnings or errors').toEqual([]);
    const stopped = await dev.stop();
    expect(stopped, `device log tail:\n${dev.log().slice(-2000)}`).toEqual({ code: 0, signal: null, killed: false });
  });

  it('(d) with --datapath workers: the guest gets cbc(aes) with a passing self-test from data queue 0 on a queue worker thread', async (ctx) => {
    deviceOrSkip(ctx);
    const cmd = deviceCmd as DeviceCommand;
    if (socketDir === undefined) throw new Error('the socket folder of the first device test is missing');
    device = await startDevice({ ...cmd, argv: [...cmd.argv, '--datapath', 'workers'] }, join(socketDir, 'vhost-workers.sock'), join(runDir, 'device-workers.log'));
    const dev = device;
    const b = await boot('workers-boot1', 'vcrypto');
    // Checked after the boot: the log line may trail the socket file through the pipe.
    expect(dev.log()).toMatch(/"datapath":"1 queue worker threads"/);
    expect(b.ending, describeBoot(b)).toBe('poweroff');
    expectDriverRegistered(b);
    expect(b.events, describeBoot(b)).toContain('done');
    expectDeviceAlive('the workers boot powered off');
    const problems = deviceLogRecords(dev.log()).filter((r) => r['level'] === 'error' || r['level'] === 'warn');
    expect(problems, 'the device logged warnings or errors').toEqual([]);
    expect(await dev.stop(), `device log tail:\n${dev.log().slice(-2000)}`).toEqual({ code: 0, signal: null, killed: false });
  });

  it('reports tcrypt through vcrypto next to the builtin backend (table + JSON)', () => {
    const rows = compare(measurements);
    const table = formatTable(rows, numMb);
    const slower = slowerThanBuiltin(rows);
    const vcryptoMeasured = measurements.some((m) => m.backend === 'vcrypto');
    const summary = vcryptoMeasured
      ? `vcrypto below builtin in ${slower.length} of ${rows.filter((r) => r.ratio !== undefined).length} rows (one run on a shared machine: a measurement, not a verdict)`
      : `vcrypto column EMPTY: ${'missing' in deviceCmd ? `device missing (${deviceCmd.missing})` : 'the vcrypto runs did not produce results'}`;
    console.log(`\n${table}\n[e2e] ${summary}`);
    const json = {
      run: runId,
      accelerator: accel,
      kernel: 'missing' in images ? null : { version: images.kernelVersion, package: images.kernelPackage },
      qemu: qemuVersion(),
      tcrypt: { modes, sec, numMb },
      device: 'missing' in deviceCmd ? { missing: deviceCmd.missing } : { command: deviceCmd.description },
      boots: boots.map((b) => ({
        name: b.name,
        ending: b.ending,
        wallSeconds: b.wallSeconds,
        ...(deviceCpu[b.name] !== undefined ? { deviceCpuSeconds: deviceCpu[b.name] } : {}),
        events: b.events,
        qemuStderr: b.qemuStderr.trim(),
        argv: b.argv,
      })),
      rows,
      slowerThanBuiltin: slower.map((r) => ({ mode: r.mode, direction: r.direction, keyBits: r.keyBits, blockBytes: r.blockBytes, ratio: r.ratio })),
      notes,
    };
    const file = join(runDir, 'results.json');
    writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
    writeFileSync(join(runDir, 'table.txt'), `${table}\n${summary}\n`);
    const extra = env['VCRYPTO_E2E_RESULTS'];
    if (extra) {
      mkdirSync(dirname(extra), { recursive: true });
      writeFileSync(extra, JSON.stringify(json, null, 2) + '\n');
    }
    console.log(`[e2e] results: ${file}`);
    // Each backend that ran must have produced rows for every mode.
    for (const backend of new Set(measurements.map((m) => m.backend))) {
      expect(measurements.filter((m) => m.backend === backend).map((m) => m.mode).sort()).toEqual([...modes].sort());
    }
    expect(rows.length).toBeGreaterThan(0);
  });
});
