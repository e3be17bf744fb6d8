// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { AllocateError, UnknownDeviceError } from '../../pkg/deviceplugin/index.js';
import { SlotScanner, type SlotSource } from './scanner.js';
import type { SlotView } from './supervisor.js';

const view = (index: number, healthy: boolean, inUse: boolean): SlotView => ({
  index,
  id: `p-${index}`,
  dir: `/state/p/${index}`,
  socketPath: `/state/p/${index}/vhost.sock`,
  statsPath: `/state/p/${index}.stats.json`,
  pid: 100 + index,
  healthy,
  connected: inUse,
  inUse,
});

function source(views: SlotView[], retiring: string[] = []): SlotSource & { allocated: string[] } {
  const allocated: string[] = [];
  return {
    allocated,
    slots: () => views,
    find: (id) => {
      const v = views.find((x) => x.id === id);
      if (v !== undefined) return { ...v, retiring: false };
      return retiring.includes(id) ? { ...view(9, true, true), id, retiring: true } : undefined;
    },
    markAllocated: (ids) => void allocated.push(...ids),
    onChange: () => () => undefined,
  };
}

describe('SlotScanner', () => {
  it('reports one resource with every slot and its health', () => {
    const s = new SlotScanner(source([view(0, true, false), view(1, false, false)]), () => 'vcrypto.dev/p');
    expect([...s.tree()]).toEqual([['vcrypto.dev/p', [{ id: 'p-0', healthy: true }, { id: 'p-1', healthy: false }]]]);
  });

  it('mounts slot folders at /var/run/vcrypto/<resource>/<i> in request order and names the sockets', () => {
    const src = source([view(0, true, false), view(1, true, false)]);
    const a = new SlotScanner(src, () => 'vcrypto.dev/p').allocate('vcrypto.dev/p', ['p-1', 'p-0']);
    expect(a.mounts).toEqual([
      { containerPath: '/var/run/vcrypto/vcrypto.dev/p/0', hostPath: '/state/p/1', readOnly: false },
      { containerPath: '/var/run/vcrypto/vcrypto.dev/p/1', hostPath: '/state/p/0', readOnly: false },
    ]);
    expect(a.envs).toEqual({
      VCRYPTO_SOCKETS_VCRYPTO_DEV_P: '/var/run/vcrypto/vcrypto.dev/p/0/vhost.sock,/var/run/vcrypto/vcrypto.dev/p/1/vhost.sock',
      VCRYPTO_DEVICE_IDS_VCRYPTO_DEV_P: 'p-1,p-0',
    });
    expect(src.allocated).toEqual(['p-1', 'p-0']);
  });

  it('gives two pools disjoint container paths and env names, so one container can hold both', () => {
    const fast = new SlotScanner(source([view(0, true, false)]), () => 'vcrypto.dev/fast-aes').allocate('vcrypto.dev/fast-aes', ['p-0']);
    const other = new SlotScanner(source([view(0, true, false)]), () => 'example.com/crypto').allocate('example.com/crypto', ['p-0']);
    expect(fast.mounts.map((m) => m.containerPath)).toEqual(['/var/run/vcrypto/vcrypto.dev/fast-aes/0']);
    expect(other.mounts.map((m) => m.containerPath)).toEqual(['/var/run/vcrypto/example.com/crypto/0']);
    expect(Object.keys(fast.envs)).toEqual(['VCRYPTO_SOCKETS_VCRYPTO_DEV_FAST_AES', 'VCRYPTO_DEVICE_IDS_VCRYPTO_DEV_FAST_AES']);
    expect(Object.keys(other.envs)).toEqual(['VCRYPTO_SOCKETS_EXAMPLE_COM_CRYPTO', 'VCRYPTO_DEVICE_IDS_EXAMPLE_COM_CRYPTO']);
  });

  it('refuses unknown and retiring ids with messages naming them', () => {
    const src = source([view(0, true, false)], ['p-5']);
    const s = new SlotScanner(src, () => 'vcrypto.dev/p');
    expect(() => s.allocate('vcrypto.dev/p', ['p-0', 'zz'])).toThrow(UnknownDeviceError);
    expect(() => s.allocate('vcrypto.dev/p', ['zz'])).toThrow(/no device 'zz' on this node \(devices: p-0\)/);
    expect(() => s.allocate('vcrypto.dev/p', ['p-5'])).toThrow(AllocateError);
    expect(src.allocated).toEqual([]);
  });

  it('prefers healthy idle slots, then healthy busy ones, then unhealthy, keeping must-include ids', () => {
    const s = new SlotScanner(source([view(0, true, true), view(1, false, false), view(2, true, false), view(3, true, false)]), () => 'r');
    const all = ['p-0', 'p-1', 'p-2', 'p-3'];
    expect(s.preferredAllocation('r', { available: all, mustInclude: [], size: 2 })).toEqual(['p-2', 'p-3']);
    expect(s.preferredAllocation('r', { available: all, mustInclude: [], size: 4 })).toEqual(['p-2', 'p-3', 'p-0', 'p-1']);
    expect(s.preferredAllocation('r', { available: all, mustInclude: ['p-1'], size: 2 })).toEqual(['p-1', 'p-2']);
  });
});
