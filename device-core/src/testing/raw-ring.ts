// SPDX-License-Identifier: Apache-2.0
/**
 * Raw writes into a DriverRing's memory for the hostile-guest tests: any descriptor (address,
 * length, flags, next) in the ring's table or in an indirect table, any head in the avail ring,
 * any avail index. No checks and no bookkeeping: a frontend that uses these must not also use
 * DriverRing.add() for the same ring. Knows nothing of crypto or vhost-user.
 */
import type { DriverRing } from './driver-ring.js';
import type { GuestArena } from './guest-arena.js';

export interface RawDescriptor {
  /** Guest-physical address; a bigint reaches the whole 64-bit range. */
  readonly addr: number | bigint;
  readonly len: number;
  readonly flags: number;
  readonly next?: number;
}

export class RawRing {
  private readonly dv: DataView;
  private readonly availWords: Uint16Array;

  constructor(
    private readonly arena: GuestArena,
    private readonly ring: DriverRing,
  ) {
    const b = arena.bytes;
    this.dv = new DataView(b.buffer, b.byteOffset, b.length);
    this.availWords = new Uint16Array(b.buffer, b.byteOffset + ring.availGpa, 2 + ring.size);
  }

  get size(): number {
    return this.ring.size;
  }

  /** Writes descriptor i of the table at tableGpa (the ring's own table by default). */
  writeDesc(i: number, d: RawDescriptor, tableGpa: number = this.ring.descGpa): void {
    const o = tableGpa + 16 * i;
    this.dv.setBigUint64(o, BigInt.asUintN(64, BigInt(d.addr)), true);
    this.dv.setUint32(o + 8, d.len >>> 0, true);
    this.dv.setUint16(o + 12, d.flags & 0xffff, true);
    this.dv.setUint16(o + 14, (d.next ?? 0) & 0xffff, true);
  }

  /** A buffer in guest memory filled with bytes; returns its guest-physical address. */
  place(bytes: Uint8Array): number {
    const gpa = this.arena.alloc(Math.max(bytes.length, 1), 16);
    this.arena.view(gpa, bytes.length).set(bytes);
    return gpa;
  }

  /** Current avail.idx as the device sees it. */
  get availIdx(): number {
    return Atomics.load(this.availWords, 1);
  }

  /** Puts head in the next avail slot and publishes it. */
  publish(head: number): void {
    const idx = this.availIdx;
    Atomics.store(this.availWords, 2 + (idx % this.ring.size), head & 0xffff);
    Atomics.store(this.availWords, 1, (idx + 1) & 0xffff);
  }

  /** Stores any value as avail.idx (an index that jumps past the ring, for instance). */
  setAvailIdx(idx: number): void {
    Atomics.store(this.availWords, 1, idx & 0xffff);
  }
}
