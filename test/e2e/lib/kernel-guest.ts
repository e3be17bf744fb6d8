// SPDX-License-Identifier: Apache-2.0
/**
 * Boots the Debian guest kernel with the host's root filesystem shared read-only over 9p, for
 * running host programs against the guest kernel (this host's kernel has no AF_ALG). The guest's
 * /init (kernel-backend/init.sh) chroots into the share at / and runs the run.sh written here into
 * the writable result share, then powers off. Owns that QEMU command line and the boot's
 * lifetime; reuses lib/guest.ts for the images and the accelerator; knows nothing of what the
 * script tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QEMU, type GuestImages } from './guest.js';

export interface HostRootBootOptions {
  readonly images: GuestImages;
  /** The initramfs built by kernel-backend/build-initramfs.sh. */
  readonly initrd: string;
  readonly accel: 'kvm' | 'tcg';
  /** This boot's directory: share/ (mounted in the guest at /tmp/kbout), serial.log. */
  readonly dir: string;
  /** Shell script run in the chroot (cwd /). */
  readonly script: string;
  /** Host path of the extracted kernel's lib/modules (the guest finds it under the shared root). */
  readonly modulesDir: string;
  readonly timeoutMs: number;
  readonly memoryMiB?: number;
  /**
   * Adds a virtio-crypto-pci device on QEMU's builtin backend and loads virtio_crypto: its
   * driver (virtio_crypto_aes_cbc) is an off-CPU engine, the guest's stand-in for an accelerator.
   */
  readonly cryptoDevice?: boolean;
  /** A host folder the chroot needs (the project); kept visible when it lies under /tmp, which the guest covers with a tmpfs. */
  readonly keepDir?: string;
}

export interface HostRootBootResult {
  /** The script's stdout and stderr (share/run.log). */
  readonly log: string;
  readonly serial: string;
  readonly ending: 'poweroff' | 'timeout' | 'qemu-failed';
  readonly wallSeconds: number;
  readonly share: string;
}

export function hostRootQemuArgs(o: HostRootBootOptions, share: string): string[] {
  const mem = o.memoryMiB ?? 2048;
  return [
    '-machine', 'q35',
    '-accel', o.accel,
    // qemu64: no AES-NI, so the guest kernel serves everything with its generic C drivers.
    '-cpu', 'qemu64',
    '-smp', '1',
    '-m', String(mem),
    // multidevs=remap: / spans several host filesystems; without it inode numbers could collide.
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${share},mount_tag=kbout,security_model=none`,
    ...(o.cryptoDevice === true ? ['-object', 'cryptodev-backend-builtin,id=cd0', '-device', 'virtio-crypto-pci,id=crypto0,cryptodev=cd0'] : []),
    '-kernel', o.images.kernel,
    '-initrd', o.initrd,
    '-append', [
      'console=ttyS0', 'loglevel=4', 'panic=-1', 'no_timer_check', `vcrypto.modules=${o.modulesDir}`,
      ...(o.cryptoDevice === true ? ['vcrypto.load=virtio_crypto', 'vcrypto.wait_driver=virtio_crypto_aes_cbc'] : []),
      ...(o.keepDir?.startsWith('/tmp/') === true ? [`vcrypto.keep=${o.keepDir}`] : []),
    ].join(' '),
    '-nographic', '-nodefaults', '-serial', 'stdio', '-no-reboot',
  ];
}

/** Builds the initramfs (idempotent); returns its path or the reason it could not. */
export function buildHostRootInitramfs(cacheDir: string, scriptDir: string): { initrd: string } | { why: string } {
  const r = spawnSync('bash', [join(scriptDir, 'build-initramfs.sh'), cacheDir], { encoding: 'utf8', timeout: 60_000 });
  const initrd = join(cacheDir, 'initramfs-kernel-backend.cpio.gz');
  if (r.status !== 0 || !existsSync(initrd)) return { why: `build-initramfs.sh failed: ${(r.stderr ?? '').trim() || `status ${r.status}`}` };
  return { initrd };
}

/** Boots once and waits for the guest to power off. Never throws for guest-side failures. */
export async function bootWithHostRoot(o: HostRootBootOptions): Promise<HostRootBootResult> {
  const share = join(o.dir, 'share');
  mkdirSync(share, { recursive: true });
  writeFileSync(join(share, 'run.sh'), o.script);
  const started = Date.now();
  const child = spawn(QEMU, hostRootQemuArgs(o, share), { stdio: ['ignore', 'pipe', 'pipe'] });
  const serialFile = createWriteStream(join(o.dir, 'serial.log'));
  let serial = '';
  let ending: HostRootBootResult['ending'] | undefined;
  const onOutput = (b: Buffer): void => {
    serialFile.write(b);
    serial += b.toString('latin1');
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const timer = setTimeout(() => {
    ending = 'timeout';
    child.kill('SIGKILL');
  }, o.timeoutMs);
  const code = await new Promise<number | null>((resolveExit) => {
    child.on('error', (e) => {
      serial += `\nspawn failed: ${e.message}`;
      resolveExit(null);
    });
    child.on('exit', (c) => resolveExit(c));
  });
  clearTimeout(timer);
  await new Promise<void>((r) => serialFile.end(() => r()));
  const logPath = join(share, 'run.log');
  return {
    log: existsSync(logPath) ? readFileSync(logPath, 'utf8') : '',
    serial,
    ending: ending ?? (code === 0 ? 'poweroff' : 'qemu-failed'),
    wallSeconds: (Date.now() - started) / 1000,
    share,
  };
}
