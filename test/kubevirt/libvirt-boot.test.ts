// SPDX-License-Identifier: Apache-2.0
/**
 * Boots the hook-transformed KubeVirt domain under libvirt (TCG) against a running
 * `vcrypto device`, and reads the guest's serial log: the guest's virtio_crypto driver must
 * register cbc(aes) from the device and pass the kernel's self-test through it. Needs virsh and
 * a libvirt daemon (test/kubevirt/setup-libvirt.sh), the e2e guest kernel and initramfs
 * (test/e2e/setup.sh) and a built dist/ (npm run build); skips, saying which is missing, otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_HOOK_OPTIONS, QemuVersionSchema, transformDomain } from '../../pkg/kubevirt/index.js';
import { bootableDomain } from './boot-domain.js';
import { hasVirsh, libvirtUri, virsh } from './libvirt.js';

const root = join(import.meta.dirname, '..', '..');
const cache = join(root, 'test', 'e2e', '.cache');
const kernel = join(cache, 'kernel', 'vmlinuz');
const initrd = join(cache, 'initramfs.cpio.gz');
const cli = join(root, 'bin', 'vcrypto.js');
const fixtures = join(root, 'test', 'fixtures', 'kubevirt');

const missing = [
  hasVirsh() ? undefined : 'virsh is not installed (bash test/kubevirt/setup-libvirt.sh)',
  existsSync(kernel) && existsSync(initrd) ? undefined : 'no guest kernel/initramfs (bash test/e2e/setup.sh)',
  existsSync(join(root, 'dist', 'cmd', 'device', 'main.js')) ? undefined : 'dist/ is not built (npm run build)',
].filter((m) => m !== undefined);
if (missing.length > 0) process.stderr.write(`test/kubevirt/libvirt-boot.test.ts: skipped: ${missing.join('; ')}\n`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing.length > 0)('transformed KubeVirt domain boots under libvirt against vcrypto device', () => {
  const uri = libvirtUri();
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-boot-'));
  const name = `vcrypto-boot-${randomUUID().slice(0, 8)}`;
  let device: ChildProcess | undefined;
  afterAll(async () => {
    try {
      virsh(uri, 'destroy', name);
    } catch {
      // Expected: the guest powers itself off, so there is usually nothing to destroy.
    }
    try {
      virsh(uri, 'undefine', name);
    } catch (e: unknown) {
      process.stderr.write(`cleanup: ${(e as Error).message}\n`);
    }
    if (device?.exitCode === null) {
      device.kill('SIGTERM');
      await new Promise((r) => device?.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the virtio-crypto device and its self-tested cbc(aes) in the guest', { timeout: 240_000 }, async () => {
    // QEMU runs as libvirt's unprivileged user: it needs to reach the socket and read the kernel.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, '0'), { mode: 0o755 });
    const socketPath = join(dir, '0', 'vhost.sock');
    let deviceLog = '';
    device = spawn(process.execPath, [cli, 'device', '--socket', socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    device.stdout?.on('data', (d: Buffer) => (deviceLog += d.toString()));
    device.stderr?.on('data', (d: Buffer) => (deviceLog += d.toString()));
    for (let i = 0; i < 100 && statSync(socketPath, { throwIfNoEntry: false })?.isSocket() !== true; i++) await sleep(100);
    chmodSync(socketPath, 0o666);

    // The hook's output for QEMU 7.2 (this machine's), which needs vectors=0 on virtio-crypto-pci.
    const transformed = transformDomain(readFileSync(join(fixtures, 'domain.xml'), 'utf8'), readFileSync(join(fixtures, 'vmi.json'), 'utf8'), {
      ...DEFAULT_HOOK_OPTIONS,
      qemuVersion: QemuVersionSchema.parse('7.2'),
      deviceOptions: ['vectors=0'],
      socketPathTemplate: join(dir, '{index}', 'vhost.sock'),
    }).xml;
    copyFileSync(kernel, join(dir, 'vmlinuz'));
    copyFileSync(initrd, join(dir, 'initrd.gz'));
    const serialLog = join(dir, 'serial.log');
    const xml = bootableDomain(transformed, {
      name,
      uuid: randomUUID(),
      kernel: join(dir, 'vmlinuz'),
      initrd: join(dir, 'initrd.gz'),
      cmdline: 'console=ttyS0 quiet panic=-1',
      memoryMiB: 256,
      serialLog,
    });
    writeFileSync(join(dir, 'domain.xml'), xml);
    virsh(uri, 'define', join(dir, 'domain.xml'));
    virsh(uri, 'start', name);
    let state = '';
    for (let i = 0; i < 900; i++) {
      state = virsh(uri, 'domstate', name).trim();
      if (state === 'shut off') break;
      await sleep(200);
    }
    const serial = existsSync(serialLog) ? readFileSync(serialLog, 'utf8') : '';
    writeFileSync(join(root, 'test', 'kubevirt', '.last-boot-serial.log'), serial);
    writeFileSync(join(root, 'test', 'kubevirt', '.last-boot-device.log'), deviceLog);
    expect(state, `guest did not power off; serial log:\n${serial}`).toBe('shut off');
    expect(deviceLog).toContain('Frontend connected');
    expect(serial).toMatch(/VCRYPTO-E2E crypto name=cbc\(aes\) driver=virtio_crypto_aes_cbc module=virtio_crypto priority=\d+ selftest=passed/);
  });
});
