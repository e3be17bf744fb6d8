// SPDX-License-Identifier: Apache-2.0
/**
 * Boots the e2e guest (the Debian kernel and the initramfs that setup.sh prepared) in QEMU with a
 * virtio-crypto-pci device on either QEMU's builtin backend or a vhost-user socket, collects what
 * the guest reports (9p share files, serial console), and stops it. Owns the QEMU command line
 * and the guest's lifetime; knows nothing of how the results are judged.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pairComplete } from './tcrypt.js';

export const QEMU = process.env['VCRYPTO_E2E_QEMU'] ?? 'qemu-system-x86_64';

export interface GuestImages {
  readonly kernel: string;
  readonly initrd: string;
  readonly kernelVersion: string;
  readonly kernelPackage: string;
}

/** The images setup.sh leaves in test/e2e/.cache, or the list of what is missing. */
export function findImages(cacheDir: string): GuestImages | { missing: string[] } {
  const k = join(cacheDir, 'kernel');
  const vmlinux = join(k, 'vmlinux');
  const kernel = existsSync(vmlinux) ? vmlinux : join(k, 'vmlinuz');
  const need = [kernel, join(cacheDir, 'initramfs.cpio.gz'), join(k, 'version')];
  const missing = need.filter((p) => !existsSync(p));
  if (missing.length > 0) return { missing };
  const pkg = join(k, 'package');
  return {
    kernel,
    initrd: join(cacheDir, 'initramfs.cpio.gz'),
    kernelVersion: readFileSync(join(k, 'version'), 'utf8').trim(),
    kernelPackage: existsSync(pkg) ? readFileSync(pkg, 'utf8').trim() : 'unknown',
  };
}

export function qemuVersion(): string {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout ?? '').split('\n')[0]?.trim() || `unknown (${QEMU} --version failed)`;
}

/** KVM only when /dev/kvm opens read-write and QEMU can create a VM with it; TCG otherwise. */
export function pickAccelerator(): { accel: 'kvm' | 'tcg'; why: string } {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', why: '/dev/kvm is not usable' };
  }
  // -M none with -accel kvm creates the VM (KVM_CREATE_VM) and then waits; quit via the monitor.
  const probe = spawnSync(QEMU, ['-accel', 'kvm', '-M', 'none', '-nodefaults', '-display', 'none', '-monitor', 'stdio', '-S'], {
    input: 'quit\n',
    timeout: 10_000,
    encoding: 'utf8',
  });
  return probe.status === 0 ? { accel: 'kvm', why: 'KVM_CREATE_VM worked' } : { accel: 'tcg', why: `KVM probe failed: ${(probe.stderr ?? '').trim().split('\n')[0] ?? ''}` };
}

export type CryptoBackendSpec = { kind: 'builtin' } | { kind: 'vhost-user'; socket: string };

export interface BootOptions {
  readonly name: string;
  readonly images: GuestImages;
  readonly accel: 'kvm' | 'tcg';
  readonly backend: CryptoBackendSpec;
  /** Directory for this boot: the 9p share, serial.log and qemu.stderr go here. */
  readonly dir: string;
  readonly tcryptMode?: number;
  readonly tcryptSeconds?: number;
  readonly numMb?: number;
  readonly timeoutMs: number;
  /** tcrypt running without a new result line for this long counts as stalled (default 30 s). */
  readonly stallMs?: number;
  readonly memoryMiB?: number;
  /** Extra virtio-crypto-pci properties, e.g. "event_idx=off". */
  readonly deviceOptions?: string;
}

export interface BootResult {
  readonly name: string;
  /** Lines the guest's /init wrote to /out/events.txt ("VCRYPTO-E2E" lines without the marker). */
  readonly events: string[];
  readonly procCrypto: string;
  /** The tcrypt log: the guest's dmesg file when it finished, else the serial console capture. */
  readonly tcryptLog: string;
  readonly serial: string;
  readonly qemuStderr: string;
  /**
   * How the guest ended: powered itself off; stopped by us once tcrypt's first pair was complete;
   * stopped because tcrypt printed no result for stallMs (a request never completed); timed out.
   */
  readonly ending: 'poweroff' | 'stopped-after-tcrypt' | 'tcrypt-stalled' | 'timeout' | 'qemu-failed';
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly wallSeconds: number;
  readonly argv: string[];
}

export function qemuArgs(o: BootOptions, share: string): string[] {
  const mem = o.memoryMiB ?? 512;
  // no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can time out and
  // panic in setup_IO_APIC (seen once in a CI-like run); the guest does not need that check.
  const append = ['console=ttyS0', 'loglevel=4', 'panic=-1', 'no_timer_check', 'vcrypto.wait=20'];
  if (o.tcryptMode !== undefined) {
    append.push(`vcrypto.tcrypt=${o.tcryptMode}`, `vcrypto.sec=${o.tcryptSeconds ?? 1}`, `vcrypto.num_mb=${o.numMb ?? 8}`);
  }
  const backend =
    o.backend.kind === 'builtin'
      ? ['-object', 'cryptodev-backend-builtin,id=cd0']
      : ['-chardev', `socket,id=vc0,path=${o.backend.socket}`, '-object', 'cryptodev-vhost-user,id=cd0,chardev=vc0'];
  return [
    '-machine', 'q35',
    '-accel', o.accel,
    // qemu64 has no AES-NI, so the kernel prefers the virtio driver for cbc(aes).
    '-cpu', 'qemu64',
    '-m', String(mem),
    '-object', `memory-backend-memfd,id=mem,size=${mem}M,share=on`,
    '-numa', 'node,memdev=mem',
    ...backend,
    // vectors=0: QEMU 7.2 crashes starting a vhost-user crypto device with MSI-X.
    '-device', `virtio-crypto-pci,id=crypto0,cryptodev=cd0,vectors=0${o.deviceOptions ? `,${o.deviceOptions}` : ''}`,
    '-virtfs', `local,path=${share},mount_tag=e2eout,security_model=none`,
    '-kernel', o.images.kernel,
    '-initrd', o.images.initrd,
    '-append', append.join(' '),
    '-nographic', '-nodefaults', '-serial', 'stdio', '-no-reboot',
  ];
}

const readIf = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

/** Boots the guest once and waits for it to end. Never throws for guest-side failures. */
export async function bootGuest(o: BootOptions): Promise<BootResult> {
  mkdirSync(o.dir, { recursive: true });
  const share = join(o.dir, 'share');
  mkdirSync(share, { recursive: true });
  for (const f of readdirSync(share)) if (f.endsWith('.txt')) throw new Error(`${share} is not empty`);
  const argv = qemuArgs(o, share);
  const started = Date.now();
  const child = spawn(QEMU, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const serialFile = createWriteStream(join(o.dir, 'serial.log'));
  let serial = '';
  let stderr = '';
  let ending: BootResult['ending'] | undefined;
  const stop = (why: BootResult['ending']): void => {
    if (ending !== undefined) return;
    ending = why;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  };
  // A measurement lasts `sec` seconds; no result line for much longer means a request was lost.
  let results = 0;
  let lastProgress = Date.now();
  const stallMs = o.stallMs ?? Math.max(30_000, (o.tcryptSeconds ?? 1) * 10_000);
  const watchdog = setInterval(() => {
    if (serial.includes('VCRYPTO-E2E tcrypt-start') && Date.now() - lastProgress > stallMs) stop('tcrypt-stalled');
  }, 1_000);
  child.stdout.on('data', (b: Buffer) => {
    serialFile.write(b);
    serial += b.toString('latin1');
    const n = (serial.match(/operations in \d+ seconds|VCRYPTO-E2E tcrypt-start/g) ?? []).length;
    if (n !== results) {
      results = n;
      lastProgress = Date.now();
    }
    // tcrypt measures cbc(aes) twice per mode; stop once the first encryption+decryption pair
    // is on the console (the guest cannot interrupt tcrypt itself).
    if (o.tcryptMode !== undefined && ending === undefined && pairComplete(serial, 'cbc(aes)')) stop('stopped-after-tcrypt');
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolveExit) => {
    child.on('error', (e) => {
      stderr += `\nspawn failed: ${e.message}`;
      resolveExit({ code: null, signal: null });
    });
    child.on('exit', (c, s) => resolveExit({ code: c, signal: s }));
  });
  clearTimeout(timer);
  clearInterval(watchdog);
  await new Promise<void>((r) => serialFile.end(() => r()));
  if (ending === undefined) ending = code === 0 ? 'poweroff' : 'qemu-failed';
  const events = readIf(join(share, 'events.txt')).split('\n').filter((l) => l.length > 0);
  const tcryptFile = o.tcryptMode !== undefined ? join(share, `tcrypt-${o.tcryptMode}.txt`) : '';
  return {
    name: o.name,
    events,
    procCrypto: readIf(join(share, 'proc-crypto.txt')),
    tcryptLog: tcryptFile && existsSync(tcryptFile) ? readFileSync(tcryptFile, 'utf8') : serial,
    serial,
    qemuStderr: stderr,
    ending,
    exitCode: code,
    signal,
    wallSeconds: (Date.now() - started) / 1000,
    argv,
  };
}

/** Entries of /proc/crypto as the guest saw them: the kernel backend's own parser. */
export { parseProcCrypto, type ProcCryptoEntry } from '../../../device-core/src/backends/kernel/proc-crypto.js';
