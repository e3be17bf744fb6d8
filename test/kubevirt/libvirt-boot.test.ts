// SPDX-License-Identifier: Apache-2.0
/**
 * Boots the hook-transformed KubeVirt domain of a VM that asks for one device from each of two
 * pools under libvirt (TCG), against two running `vcrypto device`s at the pools' socket paths,
 * and reads the guest's serial log: the guest must see both devices, and its virtio_crypto
 * driver must register cbc(aes) and pass the kernel's self-test through them. Needs virsh and
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
  const devices: ChildProcess[] = [];
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
    await Promise.all(
      devices.filter((d) => d.exitCode === null).map(async (d) => {
        d.kill('SIGTERM');
        await new Promise((r) => d.once('exit', r));
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows both pools\' virtio-crypto devices and the self-tested cbc(aes) in the guest', { timeout: 240_000 }, async () => {
    // QEMU runs as libvirt's unprivileged user: it needs to reach the sockets and read the kernel.
    chmodSync(dir, 0o755);
    const pools = ['vcrypto.dev/default', 'vcrypto.dev/fast'];
    const logs = new Map<string, string>(pools.map((p) => [p, '']));
    for (const pool of pools) {
      // The folder layout the node agent mounts in the compute container: <resource>/<i>/.
      const slotDir = join(dir, pool, '0');
      mkdirSync(slotDir, { recursive: true, mode: 0o755 });
      for (let d = slotDir; d !== dir; d = join(d, '..')) chmodSync(d, 0o755);
      const socketPath = join(slotDir, 'vhost.sock');
      const device = spawn(process.execPath, [cli, 'device', '--socket', socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      devices.push(device);
      const append = (d: Buffer): void => void logs.set(pool, (logs.get(pool) ?? '') + d.toString());
      device.stdout?.on('data', append);
      device.stderr?.on('data', append);
      for (let i = 0; i < 100 && statSync(socketPath, { throwIfNoEntry: false })?.isSocket() !== true; i++) await sleep(100);
      chmodSync(socketPath, 0o666);
    }

    // The hook's output for QEMU 7.2 (this machine's), which needs vectors=0 on virtio-crypto-pci.
    const vmi = JSON.parse(readFileSync(join(fixtures, 'vmi.json'), 'utf8')) as { spec: { domain: { resources: unknown } } };
    vmi.spec.domain.resources = { limits: Object.fromEntries(pools.map((p) => [p, '1'])), requests: { memory: '1Gi' } };
    const transformed = transformDomain(readFileSync(join(fixtures, 'domain.xml'), 'utf8'), JSON.stringify(vmi), {
      ...DEFAULT_HOOK_OPTIONS,
      qemuVersion: QemuVersionSchema.parse('7.2'),
      deviceOptions: ['vectors=0'],
      socketPathTemplate: join(dir, '{resource}', '{index}', 'vhost.sock'),
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
    writeFileSync(join(root, 'test', 'kubevirt', '.last-boot-device.log'), [...logs].map(([p, l]) => `== ${p}\n${l}`).join('\n'));
    expect(state, `guest did not power off; serial log:\n${serial}`).toBe('shut off');
    for (const pool of pools) expect(logs.get(pool), `device of ${pool}`).toContain('Frontend connected');
    expect(serial).toContain('VCRYPTO-E2E virtio-crypto-devices count=2');
    expect(serial).toMatch(/VCRYPTO-E2E crypto name=cbc\(aes\) driver=virtio_crypto_aes_cbc module=virtio_crypto priority=\d+ selftest=passed/);
  });
});
