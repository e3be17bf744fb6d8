// SPDX-License-Identifier: Apache-2.0
/**
 * The driver side of a split virtqueue in a GuestArena: writes descriptor chains (direct, or
 * one indirect table), publishes them in the avail ring, and harvests used elements — what a
 * guest's virtio driver does. Used by the project's frontend; knows nothing of crypto.
 */
import { availRingBytes, usedRingBytes, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from '../spec/virtio.js';
import type { GuestArena } from './guest-arena.js';

export interface BufferRef {
  readonly gpa: number;
  readonly len: number;
  readonly writable: boolean;
}

export class DriverRing {
  readonly descGpa: number;
  readonly availGpa: number;
  readonly usedGpa: number;
  private readonly free: number[];
  private availIdx = 0;
  private lastUsed = 0;
  private readonly dv: DataView;

  constructor(
    private readonly arena: GuestArena,
    readonly size: number,
  ) {
    this.descGpa = arena.allocPermanent(16 * size, 16);
    this.availGpa = arena.allocPermanent(availRingBytes(size), 2);
    this.usedGpa = arena.allocPermanent(usedRingBytes(size), 4);
    // A stack, lowest index on top: the first chains use descriptors 0, 1, 2, ...
    this.free = Array.from({ length: size }, (_, i) => size - 1 - i);
    const b = arena.bytes;
    this.dv = new DataView(b.buffer, b.byteOffset, b.length);
    this.availWords = new Uint16Array(b.buffer, b.byteOffset + this.availGpa, 3 + size);
    this.usedWords = new Uint16Array(b.buffer, b.byteOffset + this.usedGpa, 3 + 4 * size);
  }

  get freeDescriptors(): number {
    return this.free.length;
  }

  private writeDesc(tableGpa: number, i: number, d: BufferRef, next: number | undefined, extraFlags = 0): void {
    const o = tableGpa + 16 * i;
    this.dv.setUint32(o, d.gpa % 0x1_0000_0000, true);
    this.dv.setUint32(o + 4, Math.floor(d.gpa / 0x1_0000_0000), true);
    this.dv.setUint32(o + 8, d.len, true);
    this.dv.setUint16(o + 12, (d.writable ? VIRTQ_DESC_F_WRITE : 0) | (next !== undefined ? VIRTQ_DESC_F_NEXT : 0) | extraFlags, true);
    this.dv.setUint16(o + 14, next ?? 0, true);
  }

  /** Adds one chain; returns its head, or undefined when the ring has too few free descriptors. */
  add(bufs: readonly BufferRef[], indirect: boolean): number | undefined {
    const need = indirect ? 1 : bufs.length;
    if (this.free.length < need || bufs.length === 0) return undefined;
    // Pop from the top of the stack: O(need), where taking from the front moved the whole list.
    const ids = this.free.splice(this.free.length - need, need).reverse();
    if (indirect) {
      const table = this.arena.alloc(16 * bufs.length, 16);
      bufs.forEach((b, i) => this.writeDesc(table, i, b, i + 1 < bufs.length ? i + 1 : undefined));
      this.writeDesc(this.descGpa, ids[0]!, { gpa: table, len: 16 * bufs.length, writable: false }, undefined, VIRTQ_DESC_F_INDIRECT);
    } else {
      bufs.forEach((b, i) => this.writeDesc(this.descGpa, ids[i]!, b, ids[i + 1]));
    }
    const head = ids[0]!;
    this.dv.setUint16(this.availGpa + 4 + 2 * (this.availIdx % this.size), head, true);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    // Publish the entry before the index (the device reads idx with Atomics, then the entry).
    Atomics.store(this.availWords, 1, this.availIdx);
    this.chains[head] = ids;
    return head;
  }

  /** The descriptors of each in-flight chain, by head. */
  private readonly chains: (number[] | undefined)[] = [];

  /**
   * Whether the device must be kicked for the entries published since the last kick: with
   * EVENT_IDX, only when avail_event (after the used ring) lies among them (the spec's
   * vring_need_event); without it, unless the device set VIRTQ_USED_F_NO_NOTIFY. Call once per
   * batch, after the last add(); it remembers the avail index it answered for.
   */
  needsKick(eventIdx: boolean): boolean {
    const old = this.kickedIdx;
    const now = this.availIdx;
    this.kickedIdx = now;
    if (old === now) return false;
    if (!eventIdx) return (Atomics.load(this.usedWords, 0) & 1) === 0;
    const availEvent = Atomics.load(this.usedWords, 2 + 4 * this.size);
    return ((now - availEvent - 1) & 0xffff) < ((now - old) & 0xffff);
  }

  private kickedIdx = 0;

  /** Used elements since the last call: [head, usedLen]. Frees their descriptors. */
  harvest(): [number, number][] {
    const out: [number, number][] = [];
    for (;;) {
      this.harvestUpTo(this.usedIdx(), out);
      // Ask for a call on the next completion (used_event, read by a device that negotiated
      // EVENT_IDX), then look again: a completion may have landed before the store.
      Atomics.store(this.availWords, 2 + this.size, this.lastUsed);
      if (this.usedIdx() === this.lastUsed) return out;
    }
  }

  private usedIdx(): number {
    return Atomics.load(this.usedWords, 1);
  }

  /** flags, idx, ring[size], used_event as 16-bit words (views made once: the arena never moves). */
  private readonly availWords: Uint16Array;
  /** flags, idx, used elements (4 words each), avail_event as 16-bit words. */
  private readonly usedWords: Uint16Array;

  private harvestUpTo(usedIdx: number, out: [number, number][]): void {
    while (this.lastUsed !== usedIdx) {
      const o = this.usedGpa + 4 + 8 * (this.lastUsed % this.size);
      const head = this.dv.getUint32(o, true);
      const len = this.dv.getUint32(o + 4, true);
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
      const ids = this.chains[head];
      if (ids !== undefined) {
        this.chains[head] = undefined;
        for (const id of ids) this.free.push(id);
      }
      out.push([head, len]);
    }
  }
}
