// SPDX-License-Identifier: Apache-2.0
/**
 * The device process under benchmark: starts `vcrypto device` (this CLI, same Node) on a socket
 * in a temporary folder, optionally under `node --cpu-prof`, and reads its CPU time and resident
 * memory from /proc. Stopping it with SIGTERM lets Node write the CPU profile. Knows nothing of
 * rings or algorithms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux ABI Node runs on). */
const CLOCK_TICKS_PER_SECOND = 100;

export class BenchDeviceError extends Error {
  readonly code = 'VCRYPTO_ERR_BENCH_DEVICE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BenchDeviceError';
  }
}

export interface DeviceProcessOptions {
  readonly queues: number;
  /** Folder for the device's .cpuprofile (node --cpu-prof), or undefined for no profile. */
  readonly profileDir?: string | undefined;
  /** The vcrypto CLI script to run the device from (default: this one). */
  readonly cli?: string | undefined;
  /** The device's --datapath; auto is the device's default and not passed (a --device-cli build may predate the flag). */
  readonly datapath?: 'auto' | 'main' | 'workers';
  /** The device's --poll-us; undefined: not passed (its default, and a --device-cli build may predate the flag). */
  readonly pollUs?: number | undefined;
}

export class DeviceProcess {
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly socketPath: string,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
  }

  static async start(o: DeviceProcessOptions): Promise<DeviceProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'vcrypto-bench-'));
    const socketPath = join(dir, 'vhost.sock');
    const nodeArgs = o.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', o.profileDir];
    const child = spawn(process.execPath, [...nodeArgs, o.cli ?? process.argv[1]!, 'device', '--socket', socketPath, '--queues', String(o.queues), ...(o.datapath === undefined || o.datapath === 'auto' ? [] : ['--datapath', o.datapath]), ...(o.pollUs === undefined ? [] : ['--poll-us', String(o.pollUs)])], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, VCRYPTO_LOG_LEVEL: 'warn' },
    });
    const d = new DeviceProcess(child, dir, socketPath);
    const end = Date.now() + 15_000;
    while (!existsSync(socketPath)) {
      if (child.exitCode !== null || Date.now() > end) {
        await d.stop();
        throw new BenchDeviceError(`the device process did not start listening: ${d.stderr.trim() || 'no output'}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return d;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** User + system CPU seconds of the whole process (every thread) so far. */
  cpuSeconds(): number {
    const text = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS_PER_SECOND;
  }

  /**
   * Resident memory: all of it (VmRSS), and the process's own (RssAnon: heap and stacks, without
   * the shared guest memory it has touched, RssShmem, which grows with the buffers it has read).
   */
  memory(): { residentBytes: number; anonBytes: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string): number => {
      const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
      if (m?.[1] === undefined) throw new BenchDeviceError(`no ${field} in /proc/${this.pid}/status`);
      return Number(m[1]) * 1024;
    };
    return { residentBytes: kb('VmRSS'), anonBytes: kb('RssAnon') };
  }

  /**
   * What the device last wrote on stderr (its last `lines` lines), once it has exited or
   * `waitMs` has passed: why a device that dropped the connection went away.
   */
  async lastWords(waitMs: number, lines = 5): Promise<string> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, waitMs);
        this.child.once('exit', () => {
          clearTimeout(timer);
          r();
        });
      });
    }
    const how = this.child.exitCode !== null ? `exit status ${this.child.exitCode}` : this.child.signalCode !== null ? `signal ${this.child.signalCode}` : 'still running';
    const tail = this.stderr.trim().split('\n').slice(-lines).join('\n');
    return tail === '' ? `${how}, nothing on stderr` : `${how}; its last output:\n${tail}`;
  }

  /** SIGTERM, then waits for the exit (the CPU profile is written on the way out). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
