// SPDX-License-Identifier: Apache-2.0
/**
 * Fuzz target: the descriptor-chain walker (SplitQueue.pop) over a fake guest memory of two
 * adjacent regions, with the descriptor table, the avail ring and any indirect tables taken from
 * the input. Seeds: direct, indirect and multi-request rings like the ones the project frontend
 * writes. A bug is: an exception other than the RingError of an avail index beyond the ring, a
 * view outside the two regions, a head beyond the ring, more views than descriptors could give,
 * or a used-ring update that throws.
 */
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../device-core/src/memory/guest-memory.js';
import { VIRTQ_DESC_F_INDIRECT as IND, VIRTQ_DESC_F_NEXT as NEXT, VIRTQ_DESC_F_WRITE as WRITE } from '../../device-core/src/spec/virtio.js';
import { RingError, SplitQueue } from '../../device-core/src/virtqueue/split-queue.js';
import { corpusDirFor, fuzz, fuzzSeconds } from './engine.js';

const QSIZE = 16;
const A_GPA = 0x10000;
const A_SIZE = 0x4000;
const B_GPA = A_GPA + A_SIZE;
const B_SIZE = 0x1000;
const DESC = 0;
const AVAIL = 0x100;
const USED = 0x200;
/** Where the input's free bytes (buffers, indirect tables) go in region A. */
const FREE = 0x400;

/**
 * Input layout: 1 flags byte (bit 0: EVENT_IDX), 16 descriptors (256 bytes), avail.idx (2),
 * 16 avail entries (32), then bytes copied into region A at FREE.
 */
const HEADER = 1 + 16 * QSIZE + 2 + 2 * QSIZE;

function walk(d: Uint8Array): void {
  const a = new Uint8Array(A_SIZE);
  const b = new Uint8Array(B_SIZE);
  const input = Buffer.concat([Buffer.from(d), Buffer.alloc(Math.max(0, HEADER - d.length))]);
  a.set(input.subarray(1, 1 + 16 * QSIZE), DESC);
  a.set(input.subarray(1 + 16 * QSIZE, HEADER), AVAIL + 2);
  a.set(input.subarray(HEADER, HEADER + A_SIZE - FREE), FREE);
  const memory = new GuestMemory([
    { guestPhysAddr: A_GPA, sizeBytes: A_SIZE, userspaceAddr: 0x7f00_0000_0000, bytes: a },
    { guestPhysAddr: B_GPA, sizeBytes: B_SIZE, userspaceAddr: 0x7f00_1000_0000, bytes: b },
  ]);
  const q = new SplitQueue({
    memory,
    size: QSIZE,
    desc: a.subarray(DESC, DESC + 16 * QSIZE),
    avail: a.subarray(AVAIL, AVAIL + 6 + 2 * QSIZE),
    used: a.subarray(USED, USED + 6 + 8 * QSIZE),
    eventIdx: (input[0]! & 1) === 1,
  });
  const inside = (v: Uint8Array): boolean =>
    (v.buffer === a.buffer && v.byteOffset + v.length <= a.byteOffset + a.length) || (v.buffer === b.buffer && v.byteOffset + v.length <= b.byteOffset + b.length);
  for (let i = 0; i < 2 * QSIZE; i++) {
    let r;
    try {
      r = q.pop();
    } catch (e: unknown) {
      if (e instanceof RingError) return; // an avail index beyond the ring: the connection is dropped
      throw e;
    }
    if (r === null) break;
    if (r.kind === 'chain') {
      const views = [...r.chain.readable, ...r.chain.writable];
      if (r.chain.head >= QSIZE) throw new Error(`head ${r.chain.head} beyond the ring`);
      if (views.length > QSIZE + A_SIZE / 16) throw new Error(`${views.length} views from one chain`);
      for (const v of views) if (!inside(v)) throw new Error('a view outside guest memory');
      q.pushUsed(r.chain.head, r.chain.writable.reduce((n, w) => n + w.length, 0));
    } else {
      q.pushUsed(r.bad.head, 0);
    }
  }
  q.flushUsed();
}

/** A ring image: descriptors, avail entries and the free area. */
function ringSeed(descs: ReadonlyArray<readonly [addr: number, len: number, flags: number, next: number]>, heads: readonly number[], free: Uint8Array = new Uint8Array(0), eventIdx = false): Uint8Array {
  const b = Buffer.alloc(HEADER);
  b[0] = eventIdx ? 1 : 0;
  descs.forEach(([addr, len, flags, next], i) => {
    const o = 1 + 16 * i;
    b.writeBigUInt64LE(BigInt(addr), o);
    b.writeUInt32LE(len, o + 8);
    b.writeUInt16LE(flags, o + 12);
    b.writeUInt16LE(next, o + 14);
  });
  b.writeUInt16LE(heads.length, 1 + 16 * QSIZE);
  heads.forEach((h, i) => b.writeUInt16LE(h, 1 + 16 * QSIZE + 2 + 2 * i));
  return Buffer.concat([b, free]);
}

function indirectTable(descs: ReadonlyArray<readonly [number, number, number, number]>): Buffer {
  const t = Buffer.alloc(16 * descs.length);
  descs.forEach(([addr, len, flags, next], i) => {
    t.writeBigUInt64LE(BigInt(addr), 16 * i);
    t.writeUInt32LE(len, 16 * i + 8);
    t.writeUInt16LE(flags, 16 * i + 12);
    t.writeUInt16LE(next, 16 * i + 14);
  });
  return t;
}

const BUF = A_GPA + 0x1000;
const SEEDS = [
  ringSeed([[BUF, 72, NEXT, 1], [BUF + 72, 16, NEXT, 2], [BUF + 88, 32, NEXT, 3], [BUF + 120, 32, WRITE | NEXT, 4], [BUF + 152, 1, WRITE, 0]], [0]),
  ringSeed([[A_GPA + FREE, 48, IND, 0]], [0], indirectTable([[BUF, 72, NEXT, 1], [BUF + 72, 64, WRITE | NEXT, 2], [BUF + 136, 1, WRITE, 0]])),
  ringSeed([[BUF, 72, NEXT, 1], [B_GPA, 256, WRITE, 0], [A_GPA + FREE, 32, IND, 0]], [0, 2, 0], indirectTable([[B_GPA + 256, 72, NEXT, 1], [BUF, 1, WRITE, 0]]), true),
  ringSeed([[BUF, 72, 0, 0], [BUF + 100, 1, WRITE, 0]], [0, 1, 1, 0]),
];

describe('fuzzing the descriptor-chain walker', () => {
  it('pops only views inside guest memory, never throws but for an avail index beyond the ring', () => {
    for (const s of SEEDS) walk(s);
    const r = fuzz({ name: 'chain-walker', seeds: SEEDS, seconds: fuzzSeconds(30), maxLen: HEADER + 1024, corpusDir: corpusDirFor('chain-walker'), target: walk });
    console.log(`${r.name}: ${r.execs} runs, ${r.corpus} corpus entries, ${r.features} coverage features`);
    expect(r.crash, r.crash === undefined ? '' : `input ${r.crash.input} (saved as ${r.crash.file}): ${r.crash.error}`).toBeUndefined();
    expect(r.execs).toBeGreaterThan(r.corpus);
  });
});
