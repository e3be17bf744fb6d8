// SPDX-License-Identifier: Apache-2.0
/**
 * The `vcrypto agent` CLI writing its VirtioCryptoNodeState to a FAKE API server (with a FAKE
 * kubelet): the state appears with every slot Healthy and the algorithms the devices serve; a
 * killed device process shows Unhealthy and then Healthy again; the agent keeps serving the
 * kubelet while the API server is down and writes again once it is back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NODE_STATE_KIND, type VirtioCryptoNodeStateStatus } from '../../pkg/api/index.js';
import { writeFakeKubeconfig, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { FakeKubelet } from '../support/fake-kubelet/fake-kubelet.js';
import { CLI, makeDirs, requireBuild, until, writePool, type Dirs } from './node-agent-support.js';
import { newFakeApiServer } from './operator-support.js';

const POOL = 'pool-s';
const RESOURCE = `vcrypto.dev/${POOL}`;

describe('node agent node state', () => {
  let dirs: Dirs;
  let kubelet: FakeKubelet;
  let fake: FakeApiServer;
  let agent: ChildProcess | undefined;
  let stderr = '';

  beforeAll(() => requireBuild());
  afterEach(async () => {
    if (agent !== undefined && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await kubelet.stop();
    await fake.stop();
    rmSync(dirs.root, { recursive: true, force: true });
  });

  const status = (): VirtioCryptoNodeStateStatus | undefined => {
    try {
      return fake.store.get(fake.resource(NODE_STATE_KIND), undefined, `${POOL}-node-c`)['status'] as VirtioCryptoNodeStateStatus | undefined;
    } catch {
      return undefined; // not created yet
    }
  };

  it('publishes slots, health and capabilities, follows a killed device, and outlives the API server going away', async () => {
    dirs = makeDirs('vcrypto-agent-ns-');
    kubelet = new FakeKubelet(dirs.plugins);
    await kubelet.start();
    fake = newFakeApiServer();
    await fake.start();
    writePool(dirs, POOL, { slotsPerNode: 2, backend: { type: 'software' } });
    agent = spawn(process.execPath, [
      CLI, 'agent', '--pool-config', dirs.poolFile, '--node-name', 'node-c', '--state-dir', dirs.state,
      '--device-plugin-dir', dirs.plugins, '--socket-owner', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
      '--health-port', '0', '--health-address', '127.0.0.1', '--backoff-initial-ms', '100',
      '--kubeconfig', writeFakeKubeconfig(fake, join(dirs.root, 'kubeconfig'), 'agent'), '--node-state-interval-ms', '1000',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

    const first = await until('both slots Healthy with capabilities', () => {
      const s = status();
      return s !== undefined && s.slots.length === 2 && s.slots.every((x) => x.health === 'Healthy') && s.capabilities.algorithms.length > 0 ? s : undefined;
    }, 30_000);
    expect(first.slots.map((s) => s.id)).toEqual([`${POOL}-0`, `${POOL}-1`]);
    expect(first.capabilities.backend).toBe('software');
    expect(first.capabilities.hardwareDriver).toBeUndefined();
    expect(first.capabilities.algorithms).toEqual(expect.arrayContaining(['aes-cbc', 'aes-gcm', 'sha256']));
    const obj = fake.store.get(fake.resource(NODE_STATE_KIND), undefined, `${POOL}-node-c`);
    expect(obj.metadata.labels).toEqual({ 'vcrypto.dev/pool': POOL, 'vcrypto.dev/node': 'node-c' });

    const devices = await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2);
    expect(devices).toHaveLength(2);
    const pid = Number(stderr.split('\n').map((l) => /"Started a device process".*"slot":1,"pid":(\d+)/.exec(l)?.[1]).find((x) => x !== undefined));
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await until('slot 1 Unhealthy in the node state', () => status()?.slots.find((s) => s.id === `${POOL}-1`)?.health === 'Unhealthy', 20_000);
    await until('slot 1 Healthy again in the node state', () => status()?.slots.every((s) => s.health === 'Healthy'), 20_000);

    await fake.stop();
    const killedAgain = Number([...stderr.matchAll(/"Started a device process".*"slot":0,"pid":(\d+)/g)].pop()?.[1]);
    process.kill(killedAgain, 'SIGKILL');
    await kubelet.waitForDevices(RESOURCE, (d) => d.find((x) => x.ID === `${POOL}-0`)?.health === 'Unhealthy', 15_000, 'slot 0 Unhealthy at the kubelet');
    await kubelet.waitForDevices(RESOURCE, (d) => d.every((x) => x.health === 'Healthy'), 15_000, 'slot 0 Healthy at the kubelet');
    expect(stderr).toContain('Failed to write the node state');
    await fake.start();
    await until('written again after the API server is back', () => stderr.includes('Node state is written again'), 20_000);
    expect(status()?.slots.every((s) => s.health === 'Healthy')).toBe(true);
  }, 180_000);
});
