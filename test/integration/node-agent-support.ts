// SPDX-License-Identifier: Apache-2.0
/**
 * Shared helpers of the node-agent integration tests: temp folders for the state dir and the
 * FAKE kubelet's device-plugins dir, the compiled CLI used to run device processes (tests need
 * `npm run build` first), a pool config writer, a poll-until helper, and a stand-in VM that just
 * connects to a slot's vhost-user socket (the device logs "Frontend connected" on accept).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'vcrypto.js');

export function requireBuild(): void {
  for (const f of ['dist/cmd/device/main.js', 'dist/cmd/agent/main.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run 'npm run build' before the node-agent integration tests`);
  }
}

export interface Dirs {
  readonly root: string;
  readonly state: string;
  readonly plugins: string;
  readonly poolFile: string;
}

export function makeDirs(prefix: string): Dirs {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dirs = { root, state: join(root, 'state'), plugins: join(root, 'device-plugins'), poolFile: join(root, 'pool.yaml') };
  mkdirSync(dirs.plugins);
  return dirs;
}

export function poolYaml(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'vcrypto.dev/v1alpha1', kind: 'VirtioCryptoDevice', metadata: { name }, spec });
}

export function writePool(dirs: Dirs, name: string, spec: Record<string, unknown>): void {
  writeFileSync(dirs.poolFile, poolYaml(name, spec));
}

export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A stand-in VM: a client connection to the slot's socket. */
export function connectVm(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath, () => resolve(s));
    s.once('error', reject);
  });
}
