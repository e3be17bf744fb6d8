// SPDX-License-Identifier: Apache-2.0
/**
 * Reference figures from the `openssl speed` binary, when it is installed: one machine-readable
 * run (-mr) per algorithm and size. Only printed beside the ceiling; ratios use the ceiling
 * measured in this process. Knows nothing of the device.
 */
import { spawnSync } from 'node:child_process';

/** The openssl binary's version line, or undefined when there is none on PATH. */
export function opensslVersion(): string | undefined {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** MB/s (10^6 bytes) of `openssl speed <args> -bytes size`, or undefined when it fails. */
export function opensslSpeedMBps(args: readonly string[], size: number, seconds: number): number | undefined {
  const r = spawnSync('openssl', ['speed', '-mr', ...args, '-bytes', String(size), '-seconds', String(seconds)], { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
  if (r.status !== 0) return undefined;
  // "+F:<index>:<name>:<bytes per second for each size>"
  const line = r.stdout.split('\n').find((l) => l.startsWith('+F:'));
  const bytesPerSecond = Number(line?.split(':').pop());
  return Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond / 1e6 : undefined;
}
