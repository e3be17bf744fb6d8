// SPDX-License-Identifier: Apache-2.0
/**
 * Test support for talking to a real libvirt with virsh: whether virsh is installed, which URI
 * to use, and a virsh runner that returns stdout or throws with virsh's stderr. Test-only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function hasVirsh(): boolean {
  return spawnSync('virsh', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** VCRYPTO_LIBVIRT_URI, else the system daemon for root and the session daemon for others. */
export function libvirtUri(): string {
  return process.env['VCRYPTO_LIBVIRT_URI'] ?? (process.getuid?.() === 0 ? 'qemu:///system' : 'qemu:///session');
}

export function virsh(uri: string, ...args: string[]): string {
  try {
    return execFileSync('virsh', ['-c', uri, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e: unknown) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    // Installed but not running (a machine just booted): say what starts it rather than skip.
    const hint = /failed to connect to the hypervisor/.test(stderr) ? ' (is libvirtd running? bash test/kubevirt/setup-libvirt.sh starts it)' : '';
    throw new Error(`virsh -c ${uri} ${args.join(' ')} failed: ${stderr.trim()}${hint}`, { cause: e });
  }
}

export const hasKvm = (): boolean => existsSync('/dev/kvm');
