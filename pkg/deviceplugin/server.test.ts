// SPDX-License-Identifier: Apache-2.0
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubelet } from '../../test/support/fake-kubelet/fake-kubelet.js';
import { createLogger } from '../log/logger.js';
import { UnknownDeviceError } from './errors.js';
import { DevicePluginServer, socketNameFor } from './server.js';

const log = createLogger({ name: 'test', level: 'error' });
const RESOURCE = 'example.com/thing';

describe('DevicePluginServer against a fake kubelet', () => {
  let dir: string;
  let kubelet: FakeKubelet;
  let server: DevicePluginServer | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dp-'));
    kubelet = new FakeKubelet(dir);
    await kubelet.start();
  });
  afterEach(async () => {
    await server?.stop();
    await kubelet.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const make = (): DevicePluginServer =>
    new DevicePluginServer({
      resourceName: RESOURCE,
      pluginDir: dir,
      log,
      watchIntervalMs: 50,
      registerRetryMs: 100,
      handlers: {
        allocator: {
          allocate: (_r, ids) => {
            if (ids.includes('nope')) throw new UnknownDeviceError('no device nope');
            return { envs: { IDS: ids.join(',') }, mounts: ids.map((id, i) => ({ containerPath: `/c/${i}`, hostPath: `/h/${id}`, readOnly: false })) };
          },
        },
        preferred: { preferredAllocation: (_r, req) => [...req.available].reverse().slice(0, req.size) },
      },
    });

  it('registers, streams the device list and every change, answers Allocate', async () => {
    server = make();
    server.update([{ id: 'a', healthy: true }, { id: 'b', healthy: false }]);
    await server.start();
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 2);
    expect(kubelet.registrations[0]).toMatchObject({ version: 'v1beta1', endpoint: socketNameFor(RESOURCE), resourceName: RESOURCE });
    expect(kubelet.registrations[0]?.options.get_preferred_allocation_available).toBe(true);
    expect(kubelet.devices(RESOURCE)).toEqual([{ ID: 'a', health: 'Healthy' }, { ID: 'b', health: 'Unhealthy' }]);

    server.update([{ id: 'a', healthy: true }, { id: 'b', healthy: true }]);
    await kubelet.waitForDevices(RESOURCE, (d) => d.every((x) => x.health === 'Healthy'));

    const [alloc] = await kubelet.allocate(RESOURCE, [['a', 'b']]);
    expect(alloc?.envs).toEqual({ IDS: 'a,b' });
    expect(alloc?.mounts).toEqual([
      { container_path: '/c/0', host_path: '/h/a', read_only: false },
      { container_path: '/c/1', host_path: '/h/b', read_only: false },
    ]);
    await expect(kubelet.allocate(RESOURCE, [['nope']])).rejects.toThrow(/no device nope/);
    expect(await kubelet.preferredAllocation(RESOURCE, ['a', 'b'], [], 1)).toEqual(['b']);
    expect(server.stats()).toEqual({ registrations: 1, allocateOk: 1, allocateFailed: 1 });
  });

  it('registers once the kubelet appears, and again after the kubelet restarts', async () => {
    await kubelet.stop();
    server = make();
    server.update([{ id: 'a', healthy: true }]);
    await server.start();
    expect(server.state).toBe('serving');
    await kubelet.start();
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 1);
    await kubelet.restart();
    expect(existsSync(join(dir, socketNameFor(RESOURCE)))).toBe(false);
    await kubelet.waitForDevices(RESOURCE, (d) => d.length === 1);
    expect(kubelet.registrations.map((r) => r.resourceName)).toEqual([RESOURCE, RESOURCE]);
    expect(server.stats().registrations).toBe(2);
  });

  it('removes its socket when stopped', async () => {
    server = make();
    await server.start();
    expect(existsSync(server.socketPath)).toBe(true);
    await server.stop();
    expect(existsSync(server.socketPath)).toBe(false);
    expect(server.state).toBe('stopped');
  });
});
