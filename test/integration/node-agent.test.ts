// SPDX-License-Identifier: Apache-2.0
/**
 * The node agent (in process: supervisor + device plugin) with real `vcrypto device` processes
 * and a FAKE kubelet speaking the real v1beta1 gRPC over unix sockets in a temp folder:
 * registration, Allocate mounts and envs, a killed device process going Unhealthy and back,
 * kubelet restart and re-registration, and pool changes with a slot in use.
 */
import { rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../cmd/agent/agent.js';
import { parsePoolConfig } from '../../cmd/agent/pool-config.js';
import { createLogger } from '../../pkg/log/logger.js';
import { createRegistry, registerDeviceMetrics } from '../../pkg/metrics/index.js';
import { buildCases, frontendTransport, runCases } from '../../device-core/src/selftest/index.js';
import { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import { FakeKubelet } from '../support/fake-kubelet/fake-kubelet.js';
import { alive, CLI, connectVm, makeDirs, poolYaml, requireBuild, until, type Dirs } from './node-agent-support.js';

const POOL = 'fast';
const RESOURCE = 'vcrypto.dev/fast';
const log = createLogger({ name: 'test', level: process.env['VCRYPTO_TEST_LOG'] === '1' ? 'debug' : 'error' });
const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const healthy = (d: Array<{ health: string }>): boolean => d.every((x) => x.health === 'Healthy');

describe('node agent against a fake kubelet', () => {
  let dirs: Dirs;
  let kubelet: FakeKubelet;
  let agent: Agent | undefined;
  const vms: Socket[] = [];

  beforeAll(() => requireBuild());
  beforeEach(async () => {
    dirs = makeDirs('vcrypto-agent-');
    kubelet = new FakeKubelet(dirs.plugins);
    await kubelet.start();
  });
  afterEach(async () => {
    for (const vm of vms.splice(0)) vm.destroy();
    const pids = agent?.supervisor.slots().map((s) => s.pid) ?? [];
    await agent?.stop();
    agent = undefined;
    await kubelet.stop();
    for (const pid of pids) if (pid !== undefined) expect(alive(pid)).toBe(false);
    rmSync(dirs.root, { recursive: true, force: true });
  });

  const start = async (spec: Record<string, unknown>): Promise<Agent> => {
    agent = new Agent({
      config: parsePoolConfig(poolYaml(POOL, spec)),
      nodeName: 'node-a',
      stateDir: dirs.state,
      devicePluginDir: dirs.plugins,
      socketOwner: owner,
      deviceCommand: [process.execPath, CLI],
      log,
      supervisor: { backoffInitialMs: 100, backoffMaxMs: 400, tickMs: 100, stopTimeoutMs: 3000, allocationHoldMs: 60_000 },
      pluginWatchIntervalMs: 100,
      registerRetryMs: 200,
    });
    await agent.start();
    return agent;
  };
  const slotPid = (a: Agent, id: string): number | undefined => a.supervisor.slots().find((s) => s.id === id)?.pid;

  it('registers the pool, reports every slot Healthy, and allocates slot folders with envs', async () => {
    const a = await start({ slotsPerNode: 2 });
    const devices = await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2 && healthy(d));
    expect(devices.map((d) => d.ID)).toEqual(['fast-0', 'fast-1']);
    expect(kubelet.registrations).toEqual([
      expect.objectContaining({ version: 'v1beta1', resourceName: RESOURCE, endpoint: 'vcrypto.dev_fast.sock' }),
    ]);
    await until('ready', () => a.ready());

    const slotDir = join(dirs.state, POOL, '1');
    expect(statSync(slotDir).mode & 0o777).toBe(0o770);
    expect(statSync(join(slotDir, 'vhost.sock')).mode & 0o777).toBe(0o660);
    expect(statSync(slotDir).uid).toBe(owner.uid);

    const [one, two] = await kubelet.allocate(RESOURCE, [['fast-1'], ['fast-0', 'fast-1']]);
    expect(one?.mounts).toEqual([{ container_path: '/var/run/vcrypto/vcrypto.dev/fast/0', host_path: slotDir, read_only: false }]);
    expect(one?.envs).toEqual({ VCRYPTO_SOCKETS_VCRYPTO_DEV_FAST: '/var/run/vcrypto/vcrypto.dev/fast/0/vhost.sock', VCRYPTO_DEVICE_IDS_VCRYPTO_DEV_FAST: 'fast-1' });
    expect(two?.mounts.map((m) => [m.container_path, m.host_path])).toEqual([
      ['/var/run/vcrypto/vcrypto.dev/fast/0', join(dirs.state, POOL, '0')],
      ['/var/run/vcrypto/vcrypto.dev/fast/1', slotDir],
    ]);
    expect(two?.envs['VCRYPTO_SOCKETS_VCRYPTO_DEV_FAST']).toBe('/var/run/vcrypto/vcrypto.dev/fast/0/vhost.sock,/var/run/vcrypto/vcrypto.dev/fast/1/vhost.sock');

    await expect(kubelet.allocate(RESOURCE, [['fast-9']])).rejects.toThrow(/no device 'fast-9'.*devices: fast-0, fast-1/);
    expect(a.stats().allocateCalls()).toEqual({ ok: 1, failed: 1 });
    expect(a.stats().slotsByState()).toEqual({ healthy: 2, unhealthy: 0, allocated: 2 });
  });

  it("exposes each slot's device series on the agent's one registry, labelled pool, node and slot", async () => {
    const a = await start({ slotsPerNode: 2 });
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2 && healthy(d));
    const f = await VhostUserFrontend.connect({ socketPath: join(dirs.state, POOL, '1', 'vhost.sock'), mode: 'device' });
    try {
      const r = await runCases(buildCases(frontendTransport(f, {}), f.config!).slice(0, 3), () => undefined);
      expect(r.failed).toBe(0);
      // The device writes its stats file every second.
      await until('slot 1 stats with requests', () => a.deviceSnapshots().find((s) => s.labels['slot'] === '1' && s.snapshot.requests.length > 0));
    } finally {
      f.close();
    }
    const registry = createRegistry('agent');
    registerDeviceMetrics(registry, () => a.deviceSnapshots());
    const lines = (await registry.metrics()).split('\n');
    const value = (name: string, ...labels: string[]): number[] =>
      lines.filter((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x))).map((l) => Number(l.split(' ').pop()));
    const slot = (n: number): string[] => ['pool="fast"', 'node="node-a"', `slot="${n}"`];
    expect(value('vcrypto_device_requests_total', ...slot(1), 'status="OK"').reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(3);
    expect(value('vcrypto_device_frontend_connects_total', ...slot(1))).toEqual([1]);
    expect(value('vcrypto_device_frontend_connects_total', ...slot(0))).toEqual([0]);
  }, 120_000);

  it('prefers healthy idle slots when asked for a preferred allocation', async () => {
    const a = await start({ slotsPerNode: 3 });
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 3 && healthy(d));
    vms.push(await connectVm(join(dirs.state, POOL, '0', 'vhost.sock')));
    await until('slot 0 in use', () => a.supervisor.slots()[0]?.connected);
    expect(await kubelet.preferredAllocation(RESOURCE, ['fast-0', 'fast-1', 'fast-2'], [], 2)).toEqual(['fast-1', 'fast-2']);
    expect(await kubelet.preferredAllocation(RESOURCE, ['fast-0', 'fast-1', 'fast-2'], ['fast-0'], 2)).toEqual(['fast-0', 'fast-1']);
  });

  it('reports a killed device process Unhealthy, restarts it, and reports it Healthy again', async () => {
    const a = await start({ slotsPerNode: 2 });
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2 && healthy(d));
    const before = slotPid(a, 'fast-1');
    expect(before).toBeDefined();
    process.kill(before ?? 0, 'SIGKILL');
    await kubelet.waitForDevices(RESOURCE, (d) => d.find((x) => x.ID === 'fast-1')?.health === 'Unhealthy', 15_000, 'fast-1 Unhealthy');
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2 && healthy(d), 15_000, 'fast-1 Healthy again');
    expect(slotPid(a, 'fast-1')).not.toBe(before);
    expect(a.stats().deviceRestarts()).toBe(1);
    expect(a.stats().slotsByState().healthy).toBe(2);
  });

  it('registers again with the same device ids after the kubelet restarts', async () => {
    const a = await start({ slotsPerNode: 2 });
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2 && healthy(d));
    await kubelet.restart();
    expect(existsSync(join(dirs.plugins, 'vcrypto.dev_fast.sock'))).toBe(false);
    const again = await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2 && healthy(d), 15_000, 're-registration');
    expect(again.map((d) => d.ID)).toEqual(['fast-0', 'fast-1']);
    expect(kubelet.registrations).toHaveLength(2);
    expect(a.stats().kubeletRegistrations()).toBe(2);
    const [alloc] = await kubelet.allocate(RESOURCE, [['fast-0']]);
    expect(alloc?.mounts[0]?.host_path).toBe(join(dirs.state, POOL, '0'));
  });

  it('scales down and changes backend settings without touching a slot whose VM is connected', async () => {
    const a = await start({ slotsPerNode: 3 });
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 3 && healthy(d));
    const vm = await connectVm(join(dirs.state, POOL, '2', 'vhost.sock'));
    vms.push(vm);
    await until('slot 2 connected', () => a.supervisor.slots()[2]?.connected);
    const inUsePid = slotPid(a, 'fast-2') ?? 0;
    const idlePid = slotPid(a, 'fast-1') ?? 0;
    const slot0Pid = slotPid(a, 'fast-0') ?? 0;

    // Fewer slots: 1 and 2 leave the advertised list; 1 is stopped, 2 keeps serving its VM.
    a.applyConfig(parsePoolConfig(poolYaml(POOL, { slotsPerNode: 1 })));
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 1, 15_000, 'one device');
    await until('slot 1 retired', () => !alive(idlePid) && !existsSync(join(dirs.state, POOL, '1')));
    expect(alive(inUsePid)).toBe(true);
    await expect(kubelet.allocate(RESOURCE, [['fast-2']])).rejects.toThrow(/being removed/);

    // More slots again while slot 2 is still in use: it comes back without a restart.
    a.applyConfig(parsePoolConfig(poolYaml(POOL, { slotsPerNode: 3, maxSessions: 64 })));
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 3 && healthy(d), 15_000, 'three healthy devices');
    expect(slotPid(a, 'fast-2')).toBe(inUsePid);
    // The idle slot 0 was restarted with the new settings; slot 2 waits for its VM.
    await until('slot 0 restarted', () => a.supervisor.slots()[0]?.healthy && slotPid(a, 'fast-0') !== slot0Pid);
    expect(alive(slot0Pid)).toBe(false);
    expect(a.stats().deviceRestarts()).toBe(0);

    vm.destroy();
    await until('slot 2 restarted after its VM left', () => slotPid(a, 'fast-2') !== inUsePid && a.supervisor.slots()[2]?.healthy);
    expect(alive(inUsePid)).toBe(false);
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 3 && healthy(d));
  });

  // Only root may give a socket to another user.
  it.skipIf(process.getuid?.() !== 0)('restarts an idle slot when the socket owner changes, and its new socket has that owner and mode 0660', async () => {
    const a = await start({ slotsPerNode: 1 });
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 1 && healthy(d));
    const before = slotPid(a, 'fast-0') ?? 0;
    a.applyConfig(parsePoolConfig(poolYaml(POOL, { slotsPerNode: 1, socketOwner: { uid: 4242, gid: 4243 } })));
    await until('slot 0 restarted', () => a.supervisor.slots()[0]?.healthy && slotPid(a, 'fast-0') !== before);
    const st = statSync(join(dirs.state, POOL, '0', 'vhost.sock'));
    expect(`${st.uid}:${st.gid} ${(st.mode & 0o777).toString(8)}`).toBe('4242:4243 660');
    expect(a.stats().deviceRestarts()).toBe(0);
  });
});
