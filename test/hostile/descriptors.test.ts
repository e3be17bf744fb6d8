// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile guests at the ring level, through a real socket and a real `vcrypto device` process:
 * descriptors outside guest memory or straddling regions, 64-bit addresses and lengths that
 * overflow, loops and chains that leave their table, indirect tables inside indirect tables,
 * malformed indirect descriptors, zero-length and one-byte chains, descriptors of the wrong
 * direction, heads beyond the ring, an avail index that jumps past the ring, and kick storms.
 * Each case checks what the guest gets back (a used element of length 0 with nothing written, an
 * error status, or a dropped connection), that the process is still up, and that the next
 * frontend gets a correct known answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memfdCreate, closeFd } from '../../device-core/src/os/index.js';
import { VHOST_USER as M, VHOST_USER_NEED_REPLY_MASK, VHOST_USER_PROTOCOL_F as PF, VHOST_USER_VERSION } from '../../device-core/src/spec/vhost-user.js';
import { VIRTIO_CRYPTO_STATUS as S } from '../../device-core/src/spec/virtio-crypto.js';
import { VIRTQ_DESC_F_INDIRECT as IND, VIRTQ_DESC_F_NEXT as NEXT, VIRTQ_DESC_F_WRITE as WRITE } from '../../device-core/src/spec/virtio.js';
import { RawRing } from '../../device-core/src/testing/raw-ring.js';
import { data } from '../../device-core/src/testing/request-builder.js';
import { chainWith, D, placeRequest, runHead, session, type Placed } from './raw-requests.js';
import { connect, expectDropped, expectNextServed, KAT, knownAnswer, SMALL_FRONTEND, startDevice, within, DATAPATHS, datapathArgs, type DeviceProcess } from './support.js';

const ARENA = SMALL_FRONTEND.memoryBytes;
const QSIZE = SMALL_FRONTEND.queueSize;

let dev: DeviceProcess;

/** One case: a fresh frontend, a session, the hostile chain; then the next frontend is served. */
async function chainCase(build: (r: RawRing, p: Placed) => number, check: (usedLen: number, statusByte: number) => void): Promise<void> {
  const f = await connect(dev);
  try {
    const sid = await session(f);
    const r = new RawRing(f.arena, f.rings[0]!);
    const p = placeRequest(r, sid);
    const head = build(r, p);
    const used = await runHead(f, r, head);
    check(used, f.arena.view(p.status, 1)[0]!);
    expect(f.peerClosed).toBe(false);
  } finally {
    f.close();
  }
  await expectNextServed(dev);
}

/** The chain was refused whole: used length 0, nothing written to the guest. */
const refused = (used: number, status: number): void => {
  expect(used).toBe(0);
  expect(status).toBe(0xff);
};

// Every case on each datapath: the data queue on the device's main thread, on a queue worker thread, and there polling (--poll-us).
describe.each(DATAPATHS)('datapath %s', (datapath) => {
  beforeAll(async () => {
    dev = await startDevice(datapathArgs(datapath));
  });
  afterAll(async () => {
    await dev.stop();
  });

  describe('hostile descriptors: the chain is refused, the device keeps serving', () => {
    it('serves the same request laid out by hand (the baseline the other cases break)', async () => {
      await chainCase(chainWith, (used, status) => {
        expect(status).toBe(S.VIRTIO_CRYPTO_OK);
        expect(used).toBe(KAT.plaintext.length + 1);
      });
    });

    it('refuses a descriptor outside guest memory', async () => {
      await chainCase((r, p) => chainWith(r, p, { 2: { addr: ARENA + 4096, len: 32 } }), refused);
    });

    it('refuses a descriptor straddling the end of the memory region', async () => {
      await chainCase((r, p) => chainWith(r, p, { 2: { addr: ARENA - 16, len: 32 } }), refused);
    });

    it('refuses a writable descriptor straddling two adjacent memory regions', async () => {
      const f = await connect(dev);
      try {
        const sid = await session(f);
        // A second region right after the first (ADD_MEM_REG), so [ARENA-16, ARENA+16) lies in two regions.
        const features = (1n << BigInt(PF.REPLY_ACK)) | (1n << BigInt(PF.MQ)) | (1n << BigInt(PF.CONFIG)) | (1n << BigInt(PF.CONFIGURE_MEM_SLOTS));
        f.sendRaw(M.VHOST_USER_SET_PROTOCOL_FEATURES, u64(features));
        const fd = memfdCreate('hostile-second-region', 1 << 20);
        const reg = Buffer.alloc(40);
        reg.writeBigUInt64LE(BigInt(ARENA), 8);
        reg.writeBigUInt64LE(1n << 20n, 16);
        reg.writeBigUInt64LE(0x7e00_0000_0000n, 24);
        f.sendRaw(M.VHOST_USER_ADD_MEM_REG, reg, [fd], VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK);
        closeFd(fd);
        expect(Buffer.from(await within(f.receiveReply(M.VHOST_USER_ADD_MEM_REG), 'ADD_MEM_REG')).readBigUInt64LE(0)).toBe(0n);
        const r = new RawRing(f.arena, f.rings[0]!);
        const p = placeRequest(r, sid);
        const used = await runHead(f, r, chainWith(r, p, { 3: { addr: ARENA - 16, len: 32 } }));
        refused(used, f.arena.view(p.status, 1)[0]!);
      } finally {
        f.close();
      }
      await expectNextServed(dev);
    });

    it('refuses 64-bit addresses at the top of the address space and beyond 2^53', async () => {
      await chainCase((r, p) => chainWith(r, p, { 2: { addr: 0xffff_ffff_ffff_fff0n, len: 32 } }), refused);
      await chainCase((r, p) => chainWith(r, p, { 2: { addr: 1n << 53n, len: 32 } }), refused);
    });

    it('refuses a length that overflows 32-bit address arithmetic', async () => {
      await chainCase((r, p) => chainWith(r, p, { 2: { addr: ARENA - 16, len: 0xffff_ffff } }), refused);
      await chainCase((r, p) => chainWith(r, p, { 3: { addr: 0xffff_ffff, len: 0xffff_ffff, flags: WRITE } }), refused);
    });

    it('refuses a descriptor loop', async () => {
      await chainCase((r, p) => {
        r.writeDesc(D, { addr: p.header, len: 72, flags: NEXT, next: D + 1 });
        r.writeDesc(D + 1, { addr: p.iv, len: 16, flags: NEXT, next: D });
        return D;
      }, refused);
    });

    it('refuses a chain whose next leaves the table', async () => {
      await chainCase((r, p) => {
        r.writeDesc(D, { addr: p.header, len: 72, flags: NEXT, next: 0xfff0 });
        return D;
      }, refused);
    });

    it('refuses a loop inside an indirect table', async () => {
      await chainCase((r, p) => {
        const t = r.place(new Uint8Array(16 * 2));
        r.writeDesc(0, { addr: p.header, len: 72, flags: NEXT, next: 1 }, t);
        r.writeDesc(1, { addr: p.iv, len: 16, flags: NEXT, next: 0 }, t);
        r.writeDesc(D, { addr: t, len: 32, flags: IND });
        return D;
      }, refused);
    });

    it('refuses a chain of more than 32768 descriptors in a large indirect table', async () => {
      // 40 000 one-byte readable descriptors then the status: well-formed but for its length (a
      // loop in a 2^24-entry table kept the device busy for 16 s before this bound).
      const n = 40_000;
      await chainCase((r, p) => {
        const t = r.place(new Uint8Array(16 * (n + 1)));
        for (let i = 0; i < n; i++) r.writeDesc(i, { addr: p.header + (i % 72), len: 1, flags: NEXT, next: i + 1 }, t);
        r.writeDesc(n, { addr: p.status, len: 1, flags: WRITE }, t);
        r.writeDesc(D, { addr: t, len: 16 * (n + 1), flags: IND });
        return D;
      }, refused);
    });

    it('refuses an indirect table inside an indirect table', async () => {
      await chainCase((r, p) => {
        const inner = r.place(new Uint8Array(16));
        r.writeDesc(0, { addr: p.header, len: 72, flags: 0 }, inner);
        const outer = r.place(new Uint8Array(16));
        r.writeDesc(0, { addr: inner, len: 16, flags: IND }, outer);
        r.writeDesc(D, { addr: outer, len: 16, flags: IND });
        return D;
      }, refused);
    });

    it('refuses malformed indirect descriptors: odd length, empty, outside memory, with NEXT', async () => {
      for (const bad of [
        { addr: 0x2000, len: 24, flags: IND },
        { addr: 0x2000, len: 0, flags: IND },
        { addr: ARENA - 16, len: 64, flags: IND },
        { addr: 0xffff_ffff_ffff_fff0n, len: 32, flags: IND },
        { addr: 0x2000, len: 16, flags: IND | NEXT, next: D + 1 },
      ]) {
        await chainCase((r, p) => {
          r.writeDesc(D + 1, { addr: p.status, len: 1, flags: WRITE });
          r.writeDesc(D, bad);
          return D;
        }, refused);
      }
    });

    it('refuses a readable descriptor after a writable one (readable where writable is expected)', async () => {
      await chainCase((r, p) => chainWith(r, p, { 4: { addr: p.status, len: 1, flags: 0 } }), refused);
    });

    it('answers BADMSG when the header sits in a writable descriptor (writable where readable is expected)', async () => {
      await chainCase((r, p) => chainWith(r, p, { 0: { addr: p.header, len: 72, flags: WRITE }, 1: { addr: p.iv, len: 16, flags: WRITE }, 2: { addr: p.src, len: 32, flags: WRITE } }), (used, status) => {
        expect(status).toBe(S.VIRTIO_CRYPTO_BADMSG);
        expect(used).toBeGreaterThan(0);
      });
    });

    it('returns a zero-length chain and a chain without writable bytes unanswered', async () => {
      await chainCase((r, p) => {
        r.writeDesc(D, { addr: p.header, len: 0, flags: 0 });
        return D;
      }, refused);
      await chainCase((r, p) => {
        r.writeDesc(D, { addr: p.header, len: 72, flags: 0 });
        return D;
      }, refused);
      await chainCase((r, p) => {
        r.writeDesc(D, { addr: p.status, len: 0, flags: WRITE });
        return D;
      }, refused);
    });

    it('answers BADMSG in a one-byte writable chain', async () => {
      await chainCase((r, p) => {
        r.writeDesc(D, { addr: p.status, len: 1, flags: WRITE });
        return D;
      }, (used, status) => {
        expect(status).toBe(S.VIRTIO_CRYPTO_BADMSG);
        expect(used).toBe(1);
      });
    });

    it('returns a head beyond the ring as used element 0 with length 0', async () => {
      const f = await connect(dev);
      try {
        await session(f);
        const r = new RawRing(f.arena, f.rings[0]!);
        expect(await runHead(f, r, 0xfff0, 0)).toBe(0);
        expect(f.peerClosed).toBe(false);
      } finally {
        f.close();
      }
      await expectNextServed(dev);
    });

    it('drops the connection when avail.idx jumps past the ring size', async () => {
      const f = await connect(dev);
      try {
        await session(f);
        const r = new RawRing(f.arena, f.rings[0]!);
        r.setAvailIdx(r.availIdx + QSIZE + 1);
        f.kick(0);
        await expectDropped(f);
      } finally {
        f.close();
      }
      await expectNextServed(dev);
    });

    it('survives a kick storm with and without work queued, and the same frontend is still served', async () => {
      const f = await connect(dev);
      try {
        for (let i = 0; i < 20_000; i++) f.kick(0);
        for (let i = 0; i < 2_000; i++) f.kick(1);
        const pending: Promise<unknown>[] = [];
        const s = await session(f);
        for (let i = 0; i < 16; i++) {
          pending.push(f.submit(0, data.cipher(s, true, KAT.iv, KAT.plaintext), { indirect: true }));
          for (let k = 0; k < 500; k++) f.kick(0);
        }
        const done = (await within(Promise.all(pending), 'requests during the storm')) as { usedLen: number }[];
        expect(done.every((c) => c.usedLen === KAT.plaintext.length + 1)).toBe(true);
        await knownAnswer(f);
      } finally {
        f.close();
      }
      await expectNextServed(dev);
    });
  });
});

function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}
