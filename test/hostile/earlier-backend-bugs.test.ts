// SPDX-License-Identifier: Apache-2.0
/**
 * Regression cases for the bugs an independent frontend found in DPDK 22.11's vhost_crypto
 * (DESIGN.md "Bugs of earlier vhost-user crypto backends not to repeat"), against a real
 * `vcrypto device` process: used elements go to the ring slot, not the head's index;
 * GET_VRING_BASE answers the next avail index; entries never made available are not processed;
 * requests far over 2 KiB are served; several requests each in their own indirect table are all
 * served. (Rejected requests returned to the used ring and sessions used after close are in
 * descriptors.test.ts and requests.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VHOST_USER as M } from '../../device-core/src/spec/vhost-user.js';
import { VIRTIO_CRYPTO_STATUS as S } from '../../device-core/src/spec/virtio-crypto.js';
import { RawRing } from '../../device-core/src/testing/raw-ring.js';
import { data, response } from '../../device-core/src/testing/request-builder.js';
import { chainWith, placeRequest, runHead, session } from './raw-requests.js';
import { connect, katCiphertext, KAT, startDevice, within, type DeviceProcess } from './support.js';

let dev: DeviceProcess;
beforeAll(async () => {
  dev = await startDevice();
});
afterAll(async () => {
  await dev.stop();
});

describe('bugs of earlier vhost-user crypto backends, not repeated', () => {
  it('writes used elements at the ring slot, whatever the head index', async () => {
    const f = await connect(dev);
    try {
      const sid = await session(f);
      const r = new RawRing(f.arena, f.rings[0]!);
      const heads = [40, 20, 50];
      for (const h of heads) {
        const p = placeRequest(r, sid);
        await runHead(f, r, chainWith(r, p, {}, h));
        expect(f.arena.view(p.status, 1)[0]).toBe(S.VIRTIO_CRYPTO_OK);
      }
      const used = new DataView(f.arena.bytes.buffer, f.arena.bytes.byteOffset + f.rings[0]!.usedGpa);
      expect(used.getUint16(2, true)).toBe(3);
      heads.forEach((h, slot) => expect(used.getUint32(4 + 8 * slot, true)).toBe(h));
    } finally {
      f.close();
    }
  });

  it('answers GET_VRING_BASE with the next avail index, not 0', async () => {
    const f = await connect(dev);
    try {
      const sid = await session(f);
      for (let i = 0; i < 5; i++) await within(f.submit(0, data.cipher(sid, true, KAT.iv, KAT.plaintext)), 'request');
      f.sendRaw(M.VHOST_USER_GET_VRING_BASE, Buffer.from(new Uint32Array([0, 0]).buffer));
      const reply = Buffer.from(await within(f.receiveReply(M.VHOST_USER_GET_VRING_BASE), 'GET_VRING_BASE'));
      expect([reply.readUInt32LE(0), reply.readUInt32LE(4)]).toEqual([0, 5]);
    } finally {
      f.close();
    }
  });

  it('does not process ring entries that were never made available', async () => {
    const f = await connect(dev);
    try {
      const sid = await session(f);
      const r = new RawRing(f.arena, f.rings[0]!);
      const first = placeRequest(r, sid);
      const second = placeRequest(r, sid);
      const hidden = placeRequest(r, sid);
      // A complete chain in avail slot 2, which avail.idx never covers.
      const availRing = new DataView(f.arena.bytes.buffer, f.arena.bytes.byteOffset + f.rings[0]!.availGpa);
      availRing.setUint16(4 + 2 * 2, chainWith(r, hidden, {}, 20), true);
      await runHead(f, r, chainWith(r, first, {}, 40));
      // The second completion means the device read avail.idx (2) again and stopped short of slot 2.
      await runHead(f, r, chainWith(r, second, {}, 30));
      expect(f.arena.view(first.status, 1)[0]).toBe(S.VIRTIO_CRYPTO_OK);
      expect(f.arena.view(second.status, 1)[0]).toBe(S.VIRTIO_CRYPTO_OK);
      expect(f.arena.view(hidden.status, 1)[0]).toBe(0xff);
      const used = new DataView(f.arena.bytes.buffer, f.arena.bytes.byteOffset + f.rings[0]!.usedGpa);
      expect(used.getUint16(2, true)).toBe(2);
    } finally {
      f.close();
    }
  });

  it('serves requests far over 2 KiB', async () => {
    const f = await connect(dev, { mode: 'device', memoryBytes: 8 << 20, queueSize: 64 });
    try {
      const sid = await session(f);
      const src = Buffer.alloc(256 << 10, 0x33);
      const c = await within(f.submit(0, data.cipher(sid, true, KAT.iv, src)), '256 KiB request');
      const r = response(c.segments);
      expect(r.status).toBe(S.VIRTIO_CRYPTO_OK);
      expect(r.out.length).toBe(src.length);
    } finally {
      f.close();
    }
  });

  it('serves many requests in flight, each in its own indirect table', async () => {
    const f = await connect(dev);
    try {
      const sid = await session(f);
      const all = await within(Promise.all(Array.from({ length: 24 }, () => f.submit(0, data.cipher(sid, true, KAT.iv, KAT.plaintext), { indirect: true }))), '24 indirect requests');
      for (const c of all) {
        const r = response(c.segments);
        expect(r.status).toBe(S.VIRTIO_CRYPTO_OK);
        expect(Buffer.from(r.out).equals(katCiphertext())).toBe(true);
      }
    } finally {
      f.close();
    }
  });
});
