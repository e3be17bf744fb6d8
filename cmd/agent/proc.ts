// SPDX-License-Identifier: Apache-2.0
/**
 * What the agent reads from /proc to adopt device processes a previous agent left running:
 * whether a pid is still the same live process (start time from /proc/<pid>/stat, so a reused
 * pid is not mistaken for ours), its resident memory, and how many frontends are connected to a
 * socket path (accepted unix sockets carry the listener's path in /proc/net/unix). The proc root
 * is a parameter for tests. Knows nothing of slots or pools.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_PROC_ROOT = '/proc';

interface StatFields {
  readonly state: string;
  readonly startTime: string;
}

function readStat(pid: number, procRoot: string): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(join(procRoot, String(pid), 'stat'), 'utf8');
  } catch {
    // No such process (or not visible to us): the caller treats it as gone.
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses; fields after the last ')' are plain.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  return state === undefined || startTime === undefined ? undefined : { state, startTime };
}

/** The process start time in clock ticks since boot, or undefined when the pid is not alive. */
export function processStartTime(pid: number, procRoot = DEFAULT_PROC_ROOT): string | undefined {
  const st = readStat(pid, procRoot);
  return st === undefined || st.state === 'Z' || st.state === 'X' ? undefined : st.startTime;
}

/** True when `pid` is alive and started at `startTime` (the same process, not a reused pid). */
export function isSameProcess(pid: number, startTime: string, procRoot = DEFAULT_PROC_ROOT): boolean {
  return processStartTime(pid, procRoot) === startTime;
}

/** Resident set size in bytes (VmRSS), or undefined when unreadable. */
export function residentBytes(pid: number, procRoot = DEFAULT_PROC_ROOT): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(join(procRoot, String(pid), 'status'), 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024;
  } catch {
    // Gone: no figure.
    return undefined;
  }
}

/** Connected (accepted) unix sockets whose path is `socketPath`: the frontends of a listener. */
export function connectedFrontends(socketPath: string, procRoot = DEFAULT_PROC_ROOT): number {
  let text: string;
  try {
    text = readFileSync(join(procRoot, 'net', 'unix'), 'utf8');
  } catch {
    // Without /proc/net/unix we cannot tell; report none.
    return 0;
  }
  let n = 0;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Num RefCount Protocol Flags Type St Inode Path; St 03 = connected.
    if (f.length >= 8 && f[5] === '03' && f.slice(7).join(' ') === socketPath) n++;
  }
  return n;
}
