// SPDX-License-Identifier: Apache-2.0
/**
 * Shared helpers of the hostile-guest and fault tests: a real `vcrypto device` child process on a
 * temp socket (its stdout and stderr kept for scanning), frontends of the project's own
 * vhost-user frontend, a raw socket client for malformed messages, the known-answer request that
 * proves a frontend is served, and /proc readers for the device's fds and memfd mappings.
 * Knows no test case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { closeFd, receiveMessage, sendMessage, unixConnect, watchFd } from '../../device-core/src/os/index.js';
import { VIRTIO_CRYPTO_CIPHER as C, VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_STATUS as S } from '../../device-core/src/spec/virtio-crypto.js';
import { VhostUserFrontend, type FrontendOptions } from '../../device-core/src/testing/frontend.js';
import { ctrl, data, response } from '../../device-core/src/testing/request-builder.js';
import { CLI, requireBuild, until } from '../integration/node-agent-support.js';

export { until };

export interface DeviceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly socket: string;
  readonly dir: string;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts `vcrypto device` on a temp socket; resolves once it listens. */
export async function startDevice(args: string[] = [], env: Record<string, string> = {}): Promise<DeviceProcess> {
  requireBuild();
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-hostile-'));
  const socket = join(dir, 'vhost.sock');
  const child = spawn(process.execPath, [CLI, 'device', '--socket', socket, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('latin1')));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  // The socket file appears at bind(), a moment before listen(): a connect in between is
  // refused. The device logs once it listens.
  const listening = (): boolean => out.includes('Listening for a vhost-user frontend') || err.includes('Listening for a vhost-user frontend');
  await until('the device listens', () => (existsSync(socket) && listening()) || !alive(), 15_000);
  if (!alive()) throw new Error(`the device exited at start: ${err}`);
  return {
    child,
    pid: child.pid!,
    socket,
    dir,
    stdout: () => out,
    stderr: () => err,
    alive,
    async stop() {
      if (alive()) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The device's `--datapath` values the hostile suites run under. */
export const DATAPATHS = ['main', 'workers', 'workers, polling'] as const;

/** The device flags of a datapath case: the polling case polls long, so hostile chains land mid-poll. */
export function datapathArgs(d: (typeof DATAPATHS)[number]): string[] {
  return d === 'workers, polling' ? ['--datapath', 'workers', '--poll-us', '500'] : ['--datapath', d];
}

export const SMALL_FRONTEND = { mode: 'device', memoryBytes: 4 << 20, queueSize: 64 } as const satisfies Omit<FrontendOptions, 'socketPath'>;

export function connect(dev: DeviceProcess, o: Omit<FrontendOptions, 'socketPath'> = SMALL_FRONTEND): Promise<VhostUserFrontend> {
  return VhostUserFrontend.connect({ socketPath: dev.socket, ...o });
}

/** Rejects when p has not settled after ms: a guard against a device that never answers, not a timing check. */
export function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no answer from the device`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(t));
}

export const KAT = {
  key: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
  iv: Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex'),
  plaintext: Buffer.from('the next frontend is served.....', 'latin1'),
};

export function katCiphertext(): Buffer {
  const c = createCipheriv('aes-128-cbc', KAT.key, KAT.iv).setAutoPadding(false);
  return Buffer.concat([c.update(KAT.plaintext), c.final()]);
}

/** One AES-CBC session, one encryption checked against node:crypto, the session destroyed. */
export async function knownAnswer(f: VhostUserFrontend): Promise<void> {
  const s = await within(f.createSession(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1)), 'session create');
  expect(s.status).toBe(S.VIRTIO_CRYPTO_OK);
  const c = await within(f.submit(0, data.cipher(s.sessionId, true, KAT.iv, KAT.plaintext)), 'encryption');
  const r = response(c.segments);
  expect(r.status).toBe(S.VIRTIO_CRYPTO_OK);
  expect(Buffer.from(r.out).subarray(0, KAT.plaintext.length).equals(katCiphertext())).toBe(true);
  expect(await within(f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, s.sessionId), s.sessionId), 'destroy')).toBe(S.VIRTIO_CRYPTO_OK);
}

/** The process is up and a fresh frontend gets a correct known answer. */
export async function expectNextServed(dev: DeviceProcess): Promise<void> {
  expect(dev.alive()).toBe(true);
  const f = await within(connect(dev), 'next frontend set-up');
  try {
    await knownAnswer(f);
  } finally {
    f.close();
  }
  expect(dev.alive()).toBe(true);
}

/** Waits until the device has closed the frontend's connection. */
export async function expectDropped(f: VhostUserFrontend): Promise<void> {
  await until('the device drops the connection', () => f.peerClosed, 10_000);
}

/**
 * A bare vhost-user client for malformed messages: sends bytes with fds, and tells whether the
 * device answered or hung up.
 */
export class RawClient {
  private readonly fd: number;
  private readonly buf = new Uint8Array(8192);
  private readonly watch;
  private received = Buffer.alloc(0);
  closedByPeer = false;

  constructor(socket: string) {
    this.fd = unixConnect(socket);
    this.watch = watchFd(this.fd, () => {
      for (;;) {
        let r;
        try {
          r = receiveMessage(this.fd, this.buf, 8);
        } catch {
          // ECONNRESET from a device that dropped us with unread data: the same as a hang-up
          this.closedByPeer = true;
          this.watch.stop();
          return;
        }
        if (r === null) return;
        for (const fd of r.fds) closeFd(fd);
        if (r.bytes === 0) {
          this.closedByPeer = true;
          this.watch.stop();
          return;
        }
        this.received = Buffer.concat([this.received, this.buf.subarray(0, r.bytes)]);
      }
    });
  }

  /** Sends a message with a 12-byte header; `size` overrides the announced payload size. */
  send(request: number, payload: Uint8Array, fds: number[] = [], o: { flags?: number; size?: number } = {}): void {
    const b = Buffer.alloc(12 + payload.length);
    b.writeUInt32LE(request >>> 0, 0);
    b.writeUInt32LE((o.flags ?? 1) >>> 0, 4);
    b.writeUInt32LE((o.size ?? payload.length) >>> 0, 8);
    b.set(payload, 12);
    sendMessage(this.fd, b, fds);
  }

  sendBytes(bytes: Uint8Array, fds: number[] = []): void {
    sendMessage(this.fd, bytes, fds);
  }

  get bytesReceived(): Buffer {
    return this.received;
  }

  close(): void {
    this.watch.stop();
    closeFd(this.fd);
  }
}

export function openFdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Mappings of memfd files (guest memory) in the process. */
export function memfdMappings(pid: number): number {
  return readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => l.includes('/memfd:')).length;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
