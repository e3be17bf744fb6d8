// SPDX-License-Identifier: Apache-2.0
/**
 * A driver ring and the device's SplitQueue over the same GuestArena, in one process: what the
 * in-process datapath measurements (test/bench/datapath.bench.ts, test/bench/datapath-loop.mjs)
 * drive, with no vhost-user connection between the two sides. The device side sees the arena as
 * one guest memory region at guest-physical 0, as the device process would after SET_MEM_TABLE.
 * Knows nothing of crypto.
 * ALIASING: the queue's ring and chain views alias the arena's mapping; valid until it is closed.
 */
import { GuestMemory } from '../memory/guest-memory.js';
import type { SegmentedRequest } from '../crypto/segments.js';
import { availRingBytes, usedRingBytes } from '../spec/virtio.js';
import { SplitQueue } from '../virtqueue/split-queue.js';
import { DriverRing, type BufferRef } from './driver-ring.js';
import { FRONTEND_UADDR_BASE, GuestArena } from './guest-arena.js';

export interface LoopbackQueue {
  readonly arena: GuestArena;
  /** The driver's side: add chains, harvest used elements. */
  readonly ring: DriverRing;
  /** The device's side: pop chains, push used elements. */
  readonly queue: SplitQueue;
  /** Copies each segment of a laid-out request into its own pinned buffer; returns the chain to add. */
  place(req: SegmentedRequest): BufferRef[];
}

export function createLoopbackQueue(arenaBytes: number, queueSize: number, eventIdx = true): LoopbackQueue {
  const arena = new GuestArena(arenaBytes);
  const ring = new DriverRing(arena, queueSize);
  arena.sealRings();
  const memory = new GuestMemory([{ guestPhysAddr: 0, sizeBytes: arena.sizeBytes, userspaceAddr: FRONTEND_UADDR_BASE, bytes: arena.bytes }]);
  const queue = new SplitQueue({
    memory,
    size: queueSize,
    desc: arena.view(ring.descGpa, 16 * queueSize),
    avail: arena.view(ring.availGpa, availRingBytes(queueSize)),
    used: arena.view(ring.usedGpa, usedRingBytes(queueSize)),
    eventIdx,
  });
  const place = (req: SegmentedRequest): BufferRef[] => {
    const bufs: BufferRef[] = [];
    for (const [views, writable] of [[req.readable, false], [req.writable, true]] as const) {
      for (const v of views) {
        const gpa = arena.allocPinned(Math.max(1, v.length));
        arena.view(gpa, v.length).set(v);
        bufs.push({ gpa, len: v.length, writable });
      }
    }
    return bufs;
  };
  return { arena, ring, queue, place };
}
