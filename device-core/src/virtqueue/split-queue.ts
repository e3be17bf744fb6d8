// SPDX-License-Identifier: Apache-2.0
/**
 * The device side of a split virtqueue (virtio spec "Split Virtqueues"): pops available
 * descriptor chains (direct and indirect, any layout) as readable and writable views of guest
 * memory, with loop, bound and direction checks; writes used elements at the ring slot and
 * publishes used.idx once per batch; always maintains avail_event (QEMU never tells a crypto
 * backend that the driver uses EVENT_IDX) and decides whether the driver wants an interrupt.
 * Ring indices and flags are read and written with Atomics on aligned Uint16Array views
 * (DESIGN.md "Shared guest memory from JavaScript"). Knows nothing of vhost-user or crypto.
 * ALIASING: the ring views and chain views alias guest memory mapped by the caller.
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import { readAddress } from '../memory/guest-memory.js';
import {
  VIRTQ_AVAIL_F_NO_INTERRUPT,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
  VIRTQ_DESC_SIZE,
  VIRTQ_MAX_SIZE,
} from '../spec/virtio.js';

export interface Chain {
  readonly head: number;
  readonly readable: Uint8Array[];
  readonly writable: Uint8Array[];
}

/** A chain the device cannot use: it goes back to the used ring with length 0. */
export interface BadChain {
  readonly head: number;
  readonly reason: string;
}

export type PopResult = { readonly kind: 'chain'; readonly chain: Chain } | { readonly kind: 'bad'; readonly bad: BadChain } | null;

export class RingError extends Error {
  readonly code = 'VCRYPTO_ERR_VQ_RING';
  constructor(message: string) {
    super(message);
    this.name = 'RingError';
  }
}

export interface SplitQueueOptions {
  readonly memory: GuestMemory;
  readonly size: number;
  readonly desc: Uint8Array;
  readonly avail: Uint8Array;
  readonly used: Uint8Array;
  /** The driver acked EVENT_IDX (device mode); unknown in cryptodev mode, where it stays false. */
  readonly eventIdx: boolean;
  readonly nextAvail?: number;
}

function u16View(b: Uint8Array): Uint16Array {
  if (b.byteOffset % 2 !== 0) throw new RingError('ring is not 2-byte aligned');
  return new Uint16Array(b.buffer, b.byteOffset, b.length >> 1);
}

function badChain(head: number, reason: string): PopResult {
  return { kind: 'bad', bad: { head, reason } };
}

export class SplitQueue {
  readonly size: number;
  private readonly memory: GuestMemory;
  private readonly desc: Uint8Array;
  private readonly availIdx: Uint16Array;
  private readonly usedIdx: Uint16Array;
  private readonly usedElems: DataView;
  private readonly eventIdx: boolean;
  private lastAvail: number;
  private usedShadow: number;
  private lastSignalled: number;

  constructor(o: SplitQueueOptions) {
    this.size = o.size;
    this.memory = o.memory;
    this.desc = o.desc;
    this.availIdx = u16View(o.avail);
    this.usedIdx = u16View(o.used);
    this.usedElems = new DataView(o.used.buffer, o.used.byteOffset, o.used.length);
    this.eventIdx = o.eventIdx;
    this.lastAvail = o.nextAvail ?? 0;
    this.usedShadow = Atomics.load(this.usedIdx, 1);
    this.lastSignalled = this.usedShadow;
  }

  /** The next avail index the device will read (GET_VRING_BASE). */
  get nextAvail(): number {
    return this.lastAvail;
  }

  /** Entries made available and not yet popped. Throws RingError when the driver's index jumped past the ring. */
  pending(): number {
    const n = (Atomics.load(this.availIdx, 1) - this.lastAvail) & 0xffff;
    if (n > this.size) throw new RingError(`avail index moved ${n} entries ahead of a ${this.size}-entry ring`);
    return n;
  }

  pop(): PopResult {
    if (this.pending() === 0) return null;
    const head = Atomics.load(this.availIdx, 2 + (this.lastAvail % this.size));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    if (head >= this.size) return { kind: 'bad', bad: { head: 0, reason: `head ${head} beyond the ring` } };
    return this.walk(head);
  }

  private walk(head: number): PopResult {
    const readable: Uint8Array[] = [];
    const writable: Uint8Array[] = [];
    let table = this.desc;
    let tableSize = this.size;
    let idx = head;
    let seen = 0;
    let total = 0;
    let indirect = false;
    for (;;) {
      if (idx >= tableSize) return badChain(head, `descriptor ${idx} beyond its table of ${tableSize}`);
      if (++seen > tableSize) return badChain(head, 'descriptor chain loops or is longer than its table');
      // "A driver MUST NOT create a descriptor chain longer than the Queue Size": without this
      // bound a loop in a large indirect table (up to 2^28 entries) kept the device busy for minutes.
      if (++total > VIRTQ_MAX_SIZE) return badChain(head, `descriptor chain longer than ${VIRTQ_MAX_SIZE} descriptors`);
      const off = idx * VIRTQ_DESC_SIZE;
      const addr = readAddress(table, off);
      const len = (table[off + 8]! | (table[off + 9]! << 8) | (table[off + 10]! << 16) | (table[off + 11]! << 24)) >>> 0;
      const flags = table[off + 12]! | (table[off + 13]! << 8);
      const next = table[off + 14]! | (table[off + 15]! << 8);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (indirect) return badChain(head, 'indirect table inside an indirect table');
        if (flags & VIRTQ_DESC_F_NEXT) return badChain(head, 'indirect descriptor with NEXT set');
        if (len === 0 || len % VIRTQ_DESC_SIZE !== 0) return badChain(head, `indirect table of ${len} bytes`);
        const t = this.memory.translate(addr, len);
        if (t === null) return badChain(head, 'indirect table outside guest memory');
        table = t;
        tableSize = len / VIRTQ_DESC_SIZE;
        idx = 0;
        seen = 0;
        indirect = true;
        continue;
      }
      const view = this.memory.translate(addr, len);
      if (view === null) return badChain(head, 'descriptor outside guest memory');
      if (flags & VIRTQ_DESC_F_WRITE) writable.push(view);
      else if (writable.length > 0) return badChain(head, 'readable descriptor after a writable one');
      else readable.push(view);
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      idx = next;
    }
    return { kind: 'chain', chain: { head, readable, writable } };
  }

  /** Writes a used element at the next used-ring slot; published by flushUsed(). */
  pushUsed(head: number, lenBytes: number): void {
    const off = 4 + 8 * (this.usedShadow % this.size);
    this.usedElems.setUint32(off, head, true);
    this.usedElems.setUint32(off + 4, lenBytes >>> 0, true);
    this.usedShadow = (this.usedShadow + 1) & 0xffff;
  }

  /**
   * Publishes the used elements (used.idx after them) and, when `askKick` (the device is about
   * to wait), the avail_event that asks the driver to kick for the next entry. A flush in the
   * middle of a drain, or before the device polls for more, leaves avail_event behind on
   * purpose: the driver sees no need to kick while the device is still looking, so entries it
   * adds meanwhile are picked up without a kick. Returns true when the driver wants an interrupt
   * for what was published since the last decision: with EVENT_IDX, when used_event lies in
   * that range (any flush); without it, on a `final` flush only (the end of a run of chains:
   * the end of a drain, or before polling) unless the driver set VIRTQ_AVAIL_F_NO_INTERRUPT.
   */
  flushUsed(final = true, askKick = final): boolean {
    const now = this.usedShadow;
    Atomics.store(this.usedIdx, 1, now);
    // avail_event sits after the used ring: ask for a kick when the driver adds the next entry.
    if (askKick) Atomics.store(this.usedIdx, 2 + this.size * 4, this.lastAvail);
    if (now === this.lastSignalled) return false;
    if (this.eventIdx) {
      const usedEvent = Atomics.load(this.availIdx, 2 + this.size);
      const need = ((now - usedEvent - 1) & 0xffff) < ((now - this.lastSignalled) & 0xffff);
      this.lastSignalled = now;
      return need;
    }
    if (!final) return false;
    this.lastSignalled = now;
    // Without EVENT_IDX known to be acked, interrupt unless the driver asked not to. A driver
    // that uses EVENT_IDX leaves these flags alone, so it is always interrupted: safe, if chatty.
    return (Atomics.load(this.availIdx, 0) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }
}
