// SPDX-License-Identifier: Apache-2.0
/**
 * Runs `vcrypto device --socket PATH` as a separate process for the e2e test: finds the command,
 * starts it, waits for its socket, keeps its log, tells whether it is still alive, and stops it
 * with SIGTERM. Knows nothing of QEMU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface DeviceCommand {
  readonly argv: string[];
  readonly description: string;
}

/**
 * The device command: VCRYPTO_E2E_DEVICE (a command line, `--socket PATH` is appended) or the
 * repository's compiled CLI. Returns why it is missing instead when there is none.
 */
export function findDeviceCommand(repoRoot: string): DeviceCommand | { missing: string } {
  const override = process.env['VCRYPTO_E2E_DEVICE'];
  if (override !== undefined && override.trim() !== '') {
    const argv = override.trim().split(/\s+/);
    const exe = argv[0] ?? '';
    if (exe.includes('/') && !existsSync(exe)) return { missing: `VCRYPTO_E2E_DEVICE names ${exe}, which does not exist` };
    return { argv: [...argv, 'device'], description: `${override} device` };
  }
  const bin = join(repoRoot, 'bin', 'vcrypto.js');
  const main = join(repoRoot, 'dist', 'cmd', 'device', 'main.js');
  if (!existsSync(bin)) return { missing: `${bin} does not exist` };
  if (!existsSync(main)) return { missing: `${main} does not exist (the CLI is not built: npm run build)` };
  return { argv: [process.execPath, bin, 'device'], description: `node bin/vcrypto.js device (dist built ${statSync(main).mtime.toISOString()})` };
}

export interface RunningDevice {
  readonly socket: string;
  readonly pid: number | undefined;
  /** Everything the device wrote to stdout and stderr so far. */
  log(): string;
  alive(): boolean;
  /** User+system CPU seconds the device process has used (from /proc), undefined once it exited. */
  cpuSeconds(): number | undefined;
  exit(): { code: number | null; signal: string | null } | undefined;
  /** SIGTERM, then SIGKILL after graceMs; resolves with how it ended. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: string | null; killed: boolean }>;
}

export async function startDevice(cmd: DeviceCommand, socket: string, logFile: string, readyTimeoutMs = 15_000): Promise<RunningDevice> {
  const [exe, ...args] = cmd.argv;
  if (exe === undefined) throw new Error('empty device command');
  const child: ChildProcess = spawn(exe, [...args, '--socket', socket], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VCRYPTO_LOG_LEVEL: process.env['VCRYPTO_LOG_LEVEL'] ?? 'info' },
  });
  const file = createWriteStream(logFile);
  let text = '';
  const onData = (b: Buffer): void => {
    file.write(b);
    text += b.toString('utf8');
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: { code: number | null; signal: string | null } | undefined;
  const exitPromise = new Promise<{ code: number | null; signal: string | null }>((r) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      r(exited);
    });
    child.on('error', (e) => {
      text += `\nspawn failed: ${e.message}\n`;
      exited = { code: null, signal: null };
      r(exited);
    });
  });

  const deadline = Date.now() + readyTimeoutMs;
  while (!exited && !(existsSync(socket) && statSync(socket).isSocket())) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const running: RunningDevice = {
    socket,
    pid: child.pid,
    log: () => text,
    alive: () => exited === undefined,
    cpuSeconds: () => (exited === undefined && child.pid !== undefined ? procCpuSeconds(child.pid) : undefined),
    exit: () => exited,
    stop: async (graceMs = 5_000) => {
      if (exited) return { ...exited, killed: false };
      child.kill('SIGTERM');
      let killed = false;
      const t = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceMs);
      const r = await exitPromise;
      clearTimeout(t);
      await new Promise<void>((done) => file.end(() => done()));
      return { ...r, killed };
    },
  };
  if (exited || !existsSync(socket)) {
    await running.stop(1_000);
    throw new Error(`vcrypto device did not listen on ${socket} within ${readyTimeoutMs} ms; its output:\n${text}`);
  }
  return running;
}

/** utime + stime of a process, in seconds (Linux /proc/PID/stat fields 14 and 15, USER_HZ = 100). */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The device's JSON log lines (others are kept as { msg: line }). */
export function deviceLogRecords(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        const v: unknown = JSON.parse(l);
        return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : { msg: l };
      } catch {
        return { msg: l };
      }
    });
}
