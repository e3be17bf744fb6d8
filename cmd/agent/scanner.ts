// SPDX-License-Identifier: Apache-2.0
/**
 * The virtio-crypto side of the device plugin: turns the supervisor's slots into a DeviceTree
 * (one resource, one device per slot, Healthy when its process serves), and answers Allocate
 * (slot i of the request: its folder mounted at /var/run/vcrypto/<resource>/<i>/, where the
 * KubeVirt hook's default socket path template looks, and envs VCRYPTO_SOCKETS_<RESOURCE> and
 * VCRYPTO_DEVICE_IDS_<RESOURCE>; per resource, so a container given devices of two pools gets
 * both) and GetPreferredAllocation (healthy idle slots first). Nothing about gRPC.
 */
import { posix } from 'node:path';
import {
  AllocateError,
  UnknownDeviceError,
  type Allocator,
  type ContainerAllocation,
  type DeviceTree,
  type Notifier,
  type PreferredAllocationRequest,
  type PreferredAllocator,
  type Scanner,
} from '../../pkg/deviceplugin/index.js';
import { SOCKET_NAME, type SlotView } from './supervisor.js';

/** Slot i of a container's request for resource R appears at CONTAINER_ROOT/R/i. */
export const CONTAINER_ROOT = '/var/run/vcrypto';
export const ENV_SOCKETS_PREFIX = 'VCRYPTO_SOCKETS_';
export const ENV_DEVICE_IDS_PREFIX = 'VCRYPTO_DEVICE_IDS_';

/** `vcrypto.dev/fast-aes` → `VCRYPTO_DEV_FAST_AES`: upper case, `/`, `.` and `-` as `_` (KubeVirt names its PCI envs alike). */
export function resourceEnvSuffix(resourceName: string): string {
  return resourceName.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** The part of the supervisor the scanner reads. */
export interface SlotSource {
  slots(): SlotView[];
  find(id: string): (SlotView & { retiring: boolean }) | undefined;
  markAllocated(ids: readonly string[]): void;
  onChange(listener: () => void): () => void;
}

export class SlotScanner implements Scanner, Allocator, PreferredAllocator {
  readonly #source: SlotSource;
  readonly #resourceName: () => string;

  constructor(source: SlotSource, resourceName: () => string) {
    this.#source = source;
    this.#resourceName = resourceName;
  }

  tree(): DeviceTree {
    return new Map([[this.#resourceName(), this.#source.slots().map((s) => ({ id: s.id, healthy: s.healthy }))]]);
  }

  scan(notifier: Notifier, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      notifier.notify(this.tree());
      const off = this.#source.onChange(() => notifier.notify(this.tree()));
      signal.addEventListener('abort', () => {
        off();
        resolve();
      }, { once: true });
    });
  }

  allocate(resourceName: string, deviceIds: readonly string[]): ContainerAllocation {
    const slots = deviceIds.map((id) => {
      const slot = this.#source.find(id);
      if (slot === undefined) {
        const known = this.#source.slots().map((s) => s.id);
        throw new UnknownDeviceError(`${resourceName} has no device '${id}' on this node (devices: ${known.join(', ') || 'none'})`);
      }
      if (slot.retiring) throw new AllocateError(`device '${id}' of ${resourceName} is being removed from the pool`);
      return slot;
    });
    this.#source.markAllocated(deviceIds);
    const inContainer = slots.map((_, i) => posix.join(CONTAINER_ROOT, resourceName, String(i)));
    const suffix = resourceEnvSuffix(resourceName);
    return {
      envs: {
        [ENV_SOCKETS_PREFIX + suffix]: inContainer.map((d) => posix.join(d, SOCKET_NAME)).join(','),
        [ENV_DEVICE_IDS_PREFIX + suffix]: deviceIds.join(','),
      },
      mounts: slots.map((s, i) => ({ containerPath: inContainer[i] ?? '', hostPath: s.dir, readOnly: false })),
    };
  }

  preferredAllocation(_resourceName: string, request: PreferredAllocationRequest): string[] {
    const byId = new Map(this.#source.slots().map((s) => [s.id, s]));
    // Rank: healthy and idle, healthy in use, unhealthy; then by slot index.
    const rank = (id: string): number => {
      const s = byId.get(id);
      if (s === undefined) return 3;
      return s.healthy ? (s.inUse ? 1 : 0) : 2;
    };
    const index = (id: string): number => byId.get(id)?.index ?? Number.MAX_SAFE_INTEGER;
    const chosen = [...new Set(request.mustInclude)];
    const rest = request.available.filter((id) => !chosen.includes(id)).sort((a, b) => rank(a) - rank(b) || index(a) - index(b));
    for (const id of rest) {
      if (chosen.length >= request.size) break;
      chosen.push(id);
    }
    return chosen;
  }
}
