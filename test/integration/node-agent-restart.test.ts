// SPDX-License-Identifier: Apache-2.0
/**
 * The `vcrypto agent` CLI killed and started again, against a FAKE kubelet: the new agent adopts
 * the device process whose VM is still connected (same pid, never restarted while the VM is
 * there), stops the idle one the old agent left and starts its own, registers again with the
 * same device ids, follows a change of the pool file, and on SIGTERM leaves no process, socket
 * or pid file behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeKubelet } from '../support/fake-kubelet/fake-kubelet.js';
import { alive, CLI, connectVm, makeDirs, requireBuild, until, writePool, type Dirs } from './node-agent-support.js';

const POOL = 'edge';
const RESOURCE = 'vcrypto.dev/edge';
const healthy = (d: Array<{ health: string }>): boolean => d.every((x) => x.health === 'Healthy');

interface RunningAgent {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

function startAgent(dirs: Dirs): RunningAgent {
  const child = spawn(process.execPath, [
    CLI, 'agent',
    '--pool-config', dirs.poolFile,
    '--node-name', 'node-b',
    '--state-dir', dirs.state,
    '--device-plugin-dir', dirs.plugins,
    '--socket-owner', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
    '--health-port', '0',
    '--health-address', '127.0.0.1',
    '--config-poll-ms', '200',
    '--backoff-initial-ms', '100',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  if (child.stderr !== null) {
    createInterface({ input: child.stderr }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        lines.push({ msg: l });
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

const pidOf = (dirs: Dirs, slot: number): number | undefined => {
  try {
    return (JSON.parse(readFileSync(join(dirs.state, POOL, `${slot}.pid`), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
};

describe('agent restart', () => {
  let dirs: Dirs | undefined;
  let kubelet: FakeKubelet | undefined;
  const agents: RunningAgent[] = [];
  const strays: number[] = [];
  const vms: Socket[] = [];

  beforeAll(() => requireBuild());
  afterEach(async () => {
    for (const vm of vms.splice(0)) vm.destroy();
    for (const a of agents.splice(0)) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    for (const pid of strays.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await kubelet?.stop();
    if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
  });

  it('adopts the slot with a VM, cleans the rest, and leaves nothing behind on SIGTERM', async () => {
    dirs = makeDirs('vcrypto-agent-restart-');
    const d = dirs;
    kubelet = new FakeKubelet(d.plugins);
    await kubelet.start();
    writePool(d, POOL, { slotsPerNode: 2 });

    const first = startAgent(d);
    agents.push(first);
    await kubelet.waitForDevices(RESOURCE, (x) => x.length === 2 && healthy(x));
    const withVm = await until('slot 0 pid', () => pidOf(d, 0));
    const idle = await until('slot 1 pid', () => pidOf(d, 1));
    strays.push(withVm, idle);
    const vm = await connectVm(join(d.state, POOL, '0', 'vhost.sock'));
    vms.push(vm);
    await until('the VM seen by the first agent', () => first.lines.some((l) => l['msg'] === 'VM connected to slot'));

    // The agent dies without cleaning up: its device processes live on.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(withVm) && alive(idle)).toBe(true);

    const second = startAgent(d);
    agents.push(second);
    await until('second registration', () => kubelet!.registrations.length === 2);
    const devices = await kubelet.waitForDevices(RESOURCE, (x) => x.length === 2 && healthy(x), 20_000, 'both slots Healthy');
    expect(devices.map((x) => x.ID)).toEqual(['edge-0', 'edge-1']);
    expect(second.lines.some((l) => l['msg'] === 'Adopted a device process with a VM attached' && l['pid'] === withVm)).toBe(true);
    expect(pidOf(d, 0)).toBe(withVm);
    await until('the idle stray stopped', () => !alive(idle));
    expect(pidOf(d, 1)).not.toBe(idle);

    // Health and metrics of the new agent.
    const url = await until('health url', () => second.lines.find((l) => l['msg'] === 'Serving health and metrics')?.['url'] as string | undefined);
    const base = url.replace('/readyz', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    for (let tries = 0; (await fetch(`${base}/readyz`)).status !== 200; tries++) {
      if (tries > 200) throw new Error('the second agent never became ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/vcrypto_agent_kubelet_registrations_total\{[^}]*pool="edge"[^}]*\} 1/);
    expect(metrics).toMatch(/vcrypto_agent_slots\{[^}]*state="healthy"[^}]*\} 2/);

    // A pool file change is picked up; the adopted slot keeps its VM.
    writePool(d, POOL, { slotsPerNode: 3 });
    await kubelet.waitForDevices(RESOURCE, (x) => x.length === 3 && healthy(x), 20_000, 'three slots');
    expect(alive(withVm)).toBe(true);

    // The VM leaves: the agent takes the slot over with a device process of its own.
    vm.destroy();
    await until('slot 0 taken over', () => !alive(withVm) && pidOf(d, 0) !== undefined && pidOf(d, 0) !== withVm);
    await kubelet.waitForDevices(RESOURCE, (x) => x.length === 3 && healthy(x), 20_000, 'slot 0 Healthy again');

    const pids = [0, 1, 2].map((i) => pidOf(d, i)).filter((p): p is number => p !== undefined);
    expect(pids).toHaveLength(3);
    strays.push(...pids);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const left = readdirSync(join(d.state, POOL), { recursive: true }).map(String);
    expect(left.filter((f) => f.endsWith('.sock') || f.endsWith('.pid'))).toEqual([]);
    expect(existsSync(join(d.plugins, 'vcrypto.dev_edge.sock'))).toBe(false);
  });
});
