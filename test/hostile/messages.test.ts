// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile frontends at the vhost-user message level, through a real socket and a real `vcrypto
 * device` process: unknown requests, wrong payload sizes, headers announcing huge payloads or a
 * wrong version, missing and extra fds, memory tables whose regions disagree with their fds,
 * overlap, cannot be mapped or are larger than their file, vring indices and sizes out of range,
 * ring addresses outside memory, messages of features never negotiated, config reads outside the
 * config space, a message cut short by a hang-up, and a message flood. Each case checks that the
 * device drops the connection (or answers), that fds and mappings of the connection are released,
 * that the process is still up, and that the next frontend gets a known answer.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFd, eventfdCreate, memfdCreate } from '../../device-core/src/os/index.js';
import { VHOST_USER as M, VHOST_USER_NEED_REPLY_MASK, VHOST_USER_PROTOCOL_F as PF, VHOST_USER_VERSION } from '../../device-core/src/spec/vhost-user.js';
import { VIRTQ_DESC_F_WRITE as WRITE } from '../../device-core/src/spec/virtio.js';
import { RawRing } from '../../device-core/src/testing/raw-ring.js';
import { connect, expectDropped, expectNextServed, memfdMappings, openFdCount, RawClient, SMALL_FRONTEND, startDevice, tempDir, until, within, type DeviceProcess } from './support.js';

let dev: DeviceProcess;
/** The device's fd count with no frontend connected. */
let idleFds: number;

beforeAll(async () => {
  dev = await startDevice();
  idleFds = openFdCount(dev.pid);
});
afterAll(async () => {
  await dev.stop();
});

const u64 = (...vs: bigint[]): Buffer => {
  const b = Buffer.alloc(8 * vs.length);
  vs.forEach((v, i) => b.writeBigUInt64LE(BigInt.asUintN(64, v), 8 * i));
  return b;
};
const u32pair = (a: number, b: number): Buffer => Buffer.from(new Uint32Array([a, b]).buffer);
const PROTO = (...bits: number[]): Buffer => u64(bits.reduce((a, b) => a | (1n << BigInt(b)), 0n));

/** A memory table message: regions of [gpa, size, uaddr, offset]. */
function memTable(regions: ReadonlyArray<readonly [bigint, bigint, bigint, bigint]>): Buffer {
  const b = Buffer.alloc(8 + 32 * regions.length);
  b.writeUInt32LE(regions.length, 0);
  regions.forEach((r, i) => r.forEach((v, k) => b.writeBigUInt64LE(v, 8 + 32 * i + 8 * k)));
  return b;
}

/**
 * Runs a raw client through `send`, expects the device to hang up, then checks the connection's
 * fds and guest mappings are gone and the next frontend is served.
 */
async function dropped(send: (c: RawClient) => void): Promise<void> {
  const c = new RawClient(dev.socket);
  try {
    send(c);
    await until('the device drops the connection', () => c.closedByPeer, 10_000);
  } finally {
    c.close();
  }
  await until('the connection fds are released', () => openFdCount(dev.pid) === idleFds, 10_000);
  expect(memfdMappings(dev.pid)).toBe(0);
  await expectNextServed(dev);
}

describe('hostile vhost-user messages: the connection is dropped, the device keeps serving', () => {
  it('drops a frontend that sends an unknown request code', async () => {
    await dropped((c) => c.send(999, new Uint8Array(0)));
    await dropped((c) => c.send(0xffff_ffff, new Uint8Array(8)));
  });

  it('drops messages whose payload size does not match the request', async () => {
    await dropped((c) => c.send(M.VHOST_USER_GET_FEATURES, new Uint8Array(8)));
    await dropped((c) => c.send(M.VHOST_USER_SET_FEATURES, new Uint8Array(4)));
    await dropped((c) => c.send(M.VHOST_USER_SET_VRING_ADDR, new Uint8Array(39)));
    await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, new Uint8Array(8 + 8 * 32 + 1)));
  });

  it('drops a header that announces a huge payload, or a wrong version, before reading it', async () => {
    await dropped((c) => c.send(M.VHOST_USER_GET_FEATURES, new Uint8Array(0), [], { size: 0xffff_ffff }));
    await dropped((c) => c.send(M.VHOST_USER_GET_FEATURES, new Uint8Array(0), [], { size: 4097 }));
    await dropped((c) => c.send(M.VHOST_USER_GET_FEATURES, new Uint8Array(0), [], { flags: 2 }));
  });

  it('drops messages with missing fds', async () => {
    await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 4096n, 0x1000n, 0n]])));
    await dropped((c) => c.send(M.VHOST_USER_SET_VRING_KICK, u64(0n)));
    const fd = memfdCreate('hostile', 1 << 16);
    try {
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 4096n, 0x1000n, 0n], [1n << 20n, 4096n, 0x10_0000n, 0n]]), [fd]));
    } finally {
      closeFd(fd);
    }
  });

  it('drops messages with extra fds, and closes them', async () => {
    const fds = Array.from({ length: 17 }, () => eventfdCreate());
    try {
      await dropped((c) => c.send(M.VHOST_USER_GET_FEATURES, new Uint8Array(0), [fds[0]!]));
      await dropped((c) => c.send(M.VHOST_USER_SET_VRING_CALL, u64(0n), [fds[0]!, fds[1]!]));
      await dropped((c) => c.send(M.VHOST_USER_SET_VRING_KICK, u64(0x100n), [fds[0]!]));
      await dropped((c) => c.send(M.VHOST_USER_SET_OWNER, new Uint8Array(0), fds));
    } finally {
      for (const fd of fds) closeFd(fd);
    }
  });

  it('closes the fds of messages in the same read as a malformed or refused one', async () => {
    const fd = eventfdCreate();
    try {
      // SET_VRING_CALL with its fd completes in the same read as a header of the wrong version.
      const call = Buffer.alloc(20);
      call.writeUInt32LE(M.VHOST_USER_SET_VRING_CALL, 0);
      call.writeUInt32LE(VHOST_USER_VERSION, 4);
      call.writeUInt32LE(8, 8);
      const bad = Buffer.alloc(12);
      bad.writeUInt32LE(M.VHOST_USER_GET_FEATURES, 0);
      bad.writeUInt32LE(2, 4);
      await dropped((c) => {
        c.sendBytes(call.subarray(0, 16), [fd]);
        c.sendBytes(Buffer.concat([call.subarray(16), bad]));
      });
      // A refused message followed, in one write, by one that carries an fd.
      const kick = Buffer.alloc(20);
      kick.writeUInt32LE(M.VHOST_USER_SET_VRING_KICK, 0);
      kick.writeUInt32LE(VHOST_USER_VERSION, 4);
      kick.writeUInt32LE(8, 8);
      const unknown = Buffer.alloc(12);
      unknown.writeUInt32LE(999, 0);
      unknown.writeUInt32LE(VHOST_USER_VERSION, 4);
      await dropped((c) => c.sendBytes(Buffer.concat([unknown, kick, unknown]), [fd]));
    } finally {
      closeFd(fd);
    }
  });

  it('drops kick, call and error fds that are no non-blocking eventfd (a full pipe as the call fd hung the device for good)', async () => {
    const fifo = join(tempDir('vcrypto-fifo-'), 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Opened read-write without O_NONBLOCK, then filled: a write to it would block.
    const blocking = openSync(fifo, 'r+');
    // A non-blocking pipe: no hang, but at EOF it would wake the device forever.
    const pipe = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      writeSync(blocking, Buffer.alloc(65536));
      for (const [request, fd] of [
        [M.VHOST_USER_SET_VRING_CALL, blocking],
        [M.VHOST_USER_SET_VRING_KICK, blocking],
        [M.VHOST_USER_SET_VRING_ERR, blocking],
        [M.VHOST_USER_SET_VRING_KICK, pipe],
      ] as const) {
        const f = await connect(dev);
        try {
          f.sendRaw(request, u64(0n), [fd]);
          await expectDropped(f);
        } finally {
          f.close();
        }
        await until('the connection fds are released', () => openFdCount(dev.pid) === idleFds, 10_000);
        await expectNextServed(dev);
      }
    } finally {
      closeSync(blocking);
      closeSync(pipe);
      rmSync(dirname(fifo), { recursive: true, force: true });
    }
  });

  it('drops memory tables whose regions overlap, cannot be mapped, or lie beyond 2^53', async () => {
    const a = memfdCreate('hostile-a', 1 << 20);
    const b = memfdCreate('hostile-b', 1 << 20);
    const notMappable = eventfdCreate();
    try {
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 1n << 20n, 0x1000_0000n, 0n], [1n << 19n, 1n << 20n, 0x2000_0000n, 0n]]), [a, b]));
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 1n << 20n, 0x1000_0000n, 0n]]), [notMappable]));
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[1n << 60n, 1n << 20n, 0x1000_0000n, 0n]]), [a]));
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 0n, 0x1000_0000n, 0n]]), [a]));
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 1n << 20n, 0x1000_0000n, 0xffff_ffff_ffff_f000n]]), [a]));
    } finally {
      for (const fd of [a, b, notMappable]) closeFd(fd);
    }
  });

  it('drops memory regions larger than their file (their bytes could not be read without a SIGBUS)', async () => {
    const a = memfdCreate('hostile-small', 1 << 20);
    try {
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 64n << 20n, 0x1000_0000n, 0n]]), [a]));
      await dropped((c) => c.send(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 1n << 20n, 0x1000_0000n, 4096n]]), [a]));
    } finally {
      closeFd(a);
    }
    // The same through a served frontend: its table replaced by one whose region outgrows the memfd,
    // then a descriptor in the part the file does not back.
    const f = await connect(dev);
    try {
      f.sendRaw(M.VHOST_USER_SET_MEM_TABLE, memTable([[0n, 64n << 20n, 0x7f00_0000_0000n, 0n]]), [f.arena.fd]);
      const r = new RawRing(f.arena, f.rings[0]!);
      r.writeDesc(0, { addr: 32 << 20, len: 128, flags: WRITE });
      r.publish(0);
      f.kick(0);
      await expectDropped(f);
    } finally {
      f.close();
    }
    await expectNextServed(dev);
  });

  it('survives its memory being removed or replaced under running rings with requests queued', async () => {
    for (const replace of [false, true]) {
      const f = await connect(dev);
      try {
        f.sendRaw(M.VHOST_USER_SET_PROTOCOL_FEATURES, PROTO(PF.REPLY_ACK, PF.MQ, PF.CONFIG, PF.CONFIGURE_MEM_SLOTS));
        const r = new RawRing(f.arena, f.rings[0]!);
        for (let i = 0; i < 8; i++) r.writeDesc(i, { addr: r.place(new Uint8Array(72)), len: 72, flags: WRITE });
        const region: [bigint, bigint, bigint, bigint] = [0n, BigInt(SMALL_FRONTEND.memoryBytes), 0x7f00_0000_0000n, 0n];
        if (replace) {
          const other = memfdCreate('hostile-replacement', SMALL_FRONTEND.memoryBytes);
          f.sendRaw(M.VHOST_USER_SET_MEM_TABLE, memTable([region]), [other], VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK);
          closeFd(other);
          expect(Buffer.from(await within(f.receiveReply(M.VHOST_USER_SET_MEM_TABLE), 'SET_MEM_TABLE')).readBigUInt64LE(0)).toBe(0n);
        } else {
          const rem = Buffer.alloc(40);
          region.forEach((v, k) => rem.writeBigUInt64LE(v, 8 + 8 * k));
          f.sendRaw(M.VHOST_USER_REM_MEM_REG, rem, [], VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK);
          expect(Buffer.from(await within(f.receiveReply(M.VHOST_USER_REM_MEM_REG), 'REM_MEM_REG')).readBigUInt64LE(0)).toBe(0n);
        }
        for (let i = 0; i < 8; i++) r.publish(i);
        for (let k = 0; k < 100; k++) f.kick(0);
        // A round trip after the kicks: the device handled them and still answers.
        f.sendRaw(M.VHOST_USER_GET_FEATURES, new Uint8Array(0));
        await within(f.receiveReply(M.VHOST_USER_GET_FEATURES), 'GET_FEATURES');
        expect(dev.alive()).toBe(true);
      } finally {
        f.close();
      }
      await until('the connection fds and mappings are released', () => openFdCount(dev.pid) === idleFds && memfdMappings(dev.pid) === 0, 10_000);
      await expectNextServed(dev);
    }
  });

  it('drops vring indices beyond the queues and ring sizes that are not powers of two', async () => {
    await dropped((c) => c.send(M.VHOST_USER_SET_VRING_NUM, u32pair(7, 64)));
    await dropped((c) => c.send(M.VHOST_USER_SET_VRING_NUM, u32pair(0, 100)));
    await dropped((c) => c.send(M.VHOST_USER_SET_VRING_NUM, u32pair(0, 65536)));
    await dropped((c) => c.send(M.VHOST_USER_SET_VRING_NUM, u32pair(0, 0)));
    await dropped((c) => c.send(M.VHOST_USER_GET_VRING_BASE, u32pair(0xff, 0)));
    await dropped((c) => c.send(M.VHOST_USER_SET_VRING_CALL, u64(0x55n | 0x100n)));
  });

  it('drops a ring whose addresses lie outside the memory table, run past its end, or are misaligned', async () => {
    const base = 0x7f00_0000_0000n;
    const end = base + BigInt(SMALL_FRONTEND.memoryBytes);
    for (const [desc, used, avail] of [
      [0x1234_0000_0000n, 0x1234_0000_0000n, 0x1234_0000_0000n],
      [end - 512n, base + 0x8000n, base + 0x9000n],
      [base, base + 0x8000n, end - 8n],
      [base, base + 0x8000n, base + 0x9001n],
    ] as const) {
      const f = await connect(dev);
      try {
        const addr = Buffer.alloc(40);
        addr.writeUInt32LE(0, 0);
        addr.writeBigUInt64LE(desc, 8);
        addr.writeBigUInt64LE(used, 16);
        addr.writeBigUInt64LE(avail, 24);
        // GET_VRING_BASE stops the ring; the new addresses are checked when it restarts (at
        // SET_VRING_ADDR, or at the new kick fd).
        f.sendRaw(M.VHOST_USER_GET_VRING_BASE, u32pair(0, 0));
        f.sendRaw(M.VHOST_USER_SET_VRING_ADDR, addr);
        const kick = eventfdCreate();
        try {
          f.sendRaw(M.VHOST_USER_SET_VRING_KICK, u64(0n), [kick]);
        } catch {
          // EPIPE: the device dropped the connection at SET_VRING_ADDR already
        }
        closeFd(kick);
        await expectDropped(f);
      } finally {
        f.close();
      }
      await until('the connection fds are released', () => openFdCount(dev.pid) === idleFds, 10_000);
      await expectNextServed(dev);
    }
  });

  it('drops messages of protocol features that were never negotiated, and config reads outside the config space', async () => {
    await dropped((c) => c.send(M.VHOST_USER_GET_CONFIG, Buffer.alloc(12 + 56)));
    await dropped((c) => c.send(M.VHOST_USER_CREATE_CRYPTO_SESSION, Buffer.alloc(632)));
    await dropped((c) => c.send(M.VHOST_USER_ADD_MEM_REG, Buffer.alloc(40)));
    await dropped((c) => {
      c.send(M.VHOST_USER_SET_PROTOCOL_FEATURES, PROTO(PF.CONFIG, PF.CRYPTO_SESSION));
      const cfg = Buffer.alloc(12 + 56);
      cfg.writeUInt32LE(40, 0);
      cfg.writeUInt32LE(56, 4);
      c.send(M.VHOST_USER_GET_CONFIG, cfg);
    });
    await dropped((c) => {
      c.send(M.VHOST_USER_SET_PROTOCOL_FEATURES, PROTO(PF.CONFIG, PF.CRYPTO_SESSION));
      c.send(M.VHOST_USER_CREATE_CRYPTO_SESSION, Buffer.alloc(700));
    });
  });

  it('survives a message cut short by a hang-up, and garbage bytes', async () => {
    const c = new RawClient(dev.socket);
    const head = Buffer.alloc(12);
    head.writeUInt32LE(M.VHOST_USER_SET_MEM_TABLE, 0);
    head.writeUInt32LE(VHOST_USER_VERSION, 4);
    head.writeUInt32LE(8 + 32, 8);
    c.sendBytes(Buffer.concat([head, Buffer.alloc(10)]));
    c.close();
    await until('the connection fds are released', () => openFdCount(dev.pid) === idleFds, 10_000);
    await expectNextServed(dev);
    await dropped((c2) => c2.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: vcrypto\r\n\r\n')));
  });

  it('answers a flood of valid messages and stays up', async () => {
    const c = new RawClient(dev.socket);
    try {
      // 5000 requests in bursts of 250 (a frontend reads its replies: one that never reads is
      // dropped once a reply cannot be sent whole).
      for (let sent = 0; sent < 5000; ) {
        for (let i = 0; i < 250; i++, sent++) c.send(M.VHOST_USER_GET_FEATURES, new Uint8Array(0));
        const want = sent * 20;
        await within(until('the burst is answered', () => c.bytesReceived.length >= want || c.closedByPeer, 20_000), 'flood');
        expect(c.closedByPeer).toBe(false);
      }
      expect(c.bytesReceived.length).toBe(5000 * 20);
      expect(c.closedByPeer).toBe(false);
    } finally {
      c.close();
    }
    await expectNextServed(dev);
  });
});
