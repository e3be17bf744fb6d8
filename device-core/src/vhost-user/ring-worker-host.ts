// SPDX-License-Identifier: Apache-2.0
/**
 * The worker-thread side of rings run off the connection's thread: its own mappings of the
 * frontend's memory (from the fds the connection keeps open), its own Vrings on its own event
 * loop, and the requests of ring-worker-channel.ts applied to them. The fds stay the
 * connection's: nothing here closes one. Device requests go to the device the worker runs.
 * Knows nothing of crypto.
 */
import { mapFd, type Mapping } from '../os/index.js';
import { GuestMemory, type MemoryRegion } from '../memory/guest-memory.js';
import { NO_TRACE, type Tracer } from '../util/trace.js';
import type { VhostUserBackend } from './backend.js';
import { WorkerEnd, type RingRequest, type WorkerEndPorts } from './ring-worker-channel.js';
import { Vring } from './vring.js';

export interface RingHostOptions {
  readonly ports: WorkerEndPorts;
  /** What handles the chains of the rings run here (handleChain and onQueueDepth only). */
  readonly backend: Pick<VhostUserBackend, 'handleChain' | 'onQueueDepth'>;
  /** A device request (session mirror, statistics): its return value is the reply. */
  readonly onDeviceRequest: (body: unknown) => unknown;
  readonly tracer?: Tracer;
  /** Microseconds each ring watches for the next chain after a drain (Vring POLLING); default 0. */
  readonly pollUs?: number;
}

export class RingHost {
  private readonly memory = new GuestMemory();
  private readonly regions = new Map<number, { region: MemoryRegion; mapping: Mapping }>();
  private readonly rings = new Map<number, Vring>();
  private readonly epochs = new Map<number, number>();
  private readonly end: WorkerEnd;
  private readonly backend: VhostUserBackend;

  constructor(private readonly o: RingHostOptions) {
    // Vring wants a whole backend; only these two members are ever used by it.
    const b = o.backend;
    this.backend = {
      numQueues: 0,
      deviceFeatures: 0n,
      protocolFeatures: 0n,
      config: () => undefined,
      setFeatures: () => undefined,
      reset: () => undefined,
      handleChain: (queueIndex, chain) => b.handleChain(queueIndex, chain),
      onQueueDepth: (queueIndex, depth) => b.onQueueDepth?.(queueIndex, depth),
    };
    this.end = new WorkerEnd(o.ports, (r) => this.handle(r));
  }

  private handle(r: RingRequest): unknown {
    switch (r.op) {
      case 'map': {
        const s = r.region;
        const mapping = mapFd(s.fd, s.mmapOffset, s.sizeBytes);
        const region = { guestPhysAddr: s.guestPhysAddr, sizeBytes: s.sizeBytes, userspaceAddr: s.userspaceAddr, bytes: mapping.bytes };
        try {
          this.memory.add(region);
        } catch (e: unknown) {
          mapping.unmap();
          throw e;
        }
        this.regions.set(s.id, { region, mapping });
        return undefined;
      }
      case 'unmap': {
        const m = this.regions.get(r.id);
        if (m === undefined) return undefined;
        // The connection stops its rings before it unmaps; a ring still running here would read freed memory.
        for (const index of [...this.rings.keys()]) this.stop(index);
        this.memory.remove(m.region.guestPhysAddr, m.region.sizeBytes);
        m.mapping.unmap();
        this.regions.delete(r.id);
        return undefined;
      }
      case 'start': {
        const s = r.ring;
        this.stop(s.index);
        const epoch = r.epoch;
        const v = new Vring(s.index, this.backend, this.o.tracer ?? NO_TRACE, (e) => this.broken(s.index, epoch, e), { beforePop: () => this.end.pull(), pollUs: this.o.pollUs ?? 0 });
        Object.assign(v, { num: s.size, descAddr: s.descAddr, availAddr: s.availAddr, usedAddr: s.usedAddr, base: s.base, kickFd: s.kickFd, callFd: s.callFd, enabled: s.enabled });
        if (!v.tryStart(this.memory, s.eventIdx)) throw new Error(`ring ${s.index} could not start in the worker`);
        this.rings.set(s.index, v);
        this.epochs.set(s.index, epoch);
        return undefined;
      }
      case 'stop':
        return this.stop(r.index);
      case 'call': {
        const v = this.rings.get(r.index);
        if (v !== undefined) v.callFd = r.fd;
        return undefined;
      }
      case 'enable': {
        const v = this.rings.get(r.index);
        if (v !== undefined) {
          v.enabled = r.enabled;
          if (r.enabled) v.drain();
        }
        return undefined;
      }
      case 'device':
        return this.o.onDeviceRequest(r.body);

    }
  }

  /** Stops a ring without closing its fds (the connection owns them); -1 when it was not running. */
  private stop(index: number): number {
    const v = this.rings.get(index);
    if (v === undefined) return -1;
    this.rings.delete(index);
    return v.stop();
  }

  private broken(index: number, epoch: number, e: Error): void {
    this.stop(index);
    this.end.emit({ ev: 'broken', index, message: e.message, epoch });
  }

  /** A device event for the connection's thread. */
  emitDeviceEvent(body: unknown): void {
    this.end.emit({ ev: 'device', body });
  }
}
