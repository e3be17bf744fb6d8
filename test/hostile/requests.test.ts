// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile guests at the request level, through a real socket and a real `vcrypto device` process
 * (max 4 sessions, max_size 4096): requests longer than max_size, header lengths that disagree
 * with the chain or overflow 32-bit sums, unknown opcodes and algorithms, key lengths beyond the
 * limits or the chain, session ids never issued, destroyed, of another service or of an earlier
 * frontend, and a full session table (NOSPC, usable again after destroys) — in device mode (the
 * control queue) and cryptodev mode (vhost-user messages 26/27). Each case checks the status the
 * guest gets, that the process is still up, and that the next frontend gets a known answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VIRTIO_CRYPTO_AEAD as AEAD,
  VIRTIO_CRYPTO_CIPHER as C,
  VIRTIO_CRYPTO_CTRL_OP as CTRL,
  VIRTIO_CRYPTO_HASH as H,
  VIRTIO_CRYPTO_MAC as MAC,
  VIRTIO_CRYPTO_STATUS as S,
} from '../../device-core/src/spec/virtio-crypto.js';
import { VHOST_USER as M } from '../../device-core/src/spec/vhost-user.js';
import { cryptodevSessionPayload } from '../../device-core/src/testing/cryptodev-session.js';
import type { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import { ctrl, data, response, type LogicalRequest } from '../../device-core/src/testing/request-builder.js';
import { connect, expectNextServed, KAT, startDevice, within, DATAPATHS, datapathArgs, type DeviceProcess } from './support.js';

const MAX_SIZE = 4096;
const MAX_SESSIONS = 4;

let dev: DeviceProcess;

/** Runs fn on a fresh device-mode frontend, then checks the next frontend is served. */
async function hostile(fn: (f: VhostUserFrontend) => Promise<void>, mode: 'device' | 'cryptodev' = 'device'): Promise<void> {
  const f = await connect(dev, { mode, memoryBytes: 4 << 20, queueSize: 64, sessionLayout: 'qemu-8.1' });
  try {
    await fn(f);
    expect(f.peerClosed).toBe(false);
  } finally {
    f.close();
  }
  await expectNextServed(dev);
}

/** The request with header words (u32 at byte offsets) replaced. */
function patched(req: LogicalRequest, words: ReadonlyArray<readonly [number, number]>): LogicalRequest {
  const h = Buffer.from(req.readable[0]!);
  for (const [off, v] of words) h.writeUInt32LE(v >>> 0, off);
  return { ...req, readable: [h, ...req.readable.slice(1)] };
}

async function status(f: VhostUserFrontend, req: LogicalRequest): Promise<number> {
  return response((await within(f.submit(0, req), 'data request')).segments).status;
}

async function cipherSession(f: VhostUserFrontend): Promise<bigint> {
  const s = await within(f.createSession(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1)), 'session');
  expect(s.status).toBe(S.VIRTIO_CRYPTO_OK);
  return s.sessionId;
}

const createStatus = async (f: VhostUserFrontend, req: LogicalRequest): Promise<number> => (await within(f.createSession(req), 'session create')).status;

// Every case on each datapath: the data queue on the device's main thread, on a queue worker thread, and there polling (--poll-us).
describe.each(DATAPATHS)('datapath %s', (datapath) => {
  beforeAll(async () => {
    dev = await startDevice([...['--max-sessions', String(MAX_SESSIONS), '--max-request-size', String(MAX_SIZE)], ...datapathArgs(datapath)]);
  });
  afterAll(async () => {
    await dev.stop();
  });

  describe('hostile requests: an error status, the device keeps serving', () => {
    it('answers ERR for a request longer than max_size', async () => {
      await hostile(async (f) => {
        const sid = await cipherSession(f);
        expect(await status(f, data.cipher(sid, true, KAT.iv, Buffer.alloc(MAX_SIZE)))).toBe(S.VIRTIO_CRYPTO_ERR);
      });
    });

    it('answers BADMSG when the header announces more bytes than the chain holds', async () => {
      await hostile(async (f) => {
        const sid = await cipherSession(f);
        const req = data.cipher(sid, true, KAT.iv, KAT.plaintext);
        expect(await status(f, patched(req, [[28, 1024], [32, 1024]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
        expect(await status(f, patched(req, [[24, 2048]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
        // dst shorter than src: the device would write past what the guest offered.
        expect(await status(f, patched(req, [[32, 16]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
      });
    });

    it('answers ERR or BADMSG for lengths whose sums overflow 32 bits', async () => {
      await hostile(async (f) => {
        const sid = await cipherSession(f);
        const req = data.cipher(sid, true, KAT.iv, KAT.plaintext);
        expect(await status(f, patched(req, [[24, 0xffff_fff0], [28, 0x20], [32, 0x20]]))).toBe(S.VIRTIO_CRYPTO_ERR);
        expect(await status(f, patched(req, [[28, 0xffff_ffff], [32, 0xffff_ffff]]))).toBe(S.VIRTIO_CRYPTO_ERR);
        const hash = await within(f.createSession(ctrl.hashSession(H.VIRTIO_CRYPTO_HASH_SHA_256, 32)), 'hash session');
        expect(hash.status).toBe(S.VIRTIO_CRYPTO_OK);
        expect(await status(f, patched(data.hash(hash.sessionId, KAT.plaintext, 32), [[28, 0xffff_ffff]]))).toBe(S.VIRTIO_CRYPTO_ERR);
        expect(await status(f, patched(data.hash(hash.sessionId, KAT.plaintext, 32), [[28, 16]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
      });
    });

    it('answers BADMSG for chaining offsets outside the source and an AEAD source shorter than its tag', async () => {
      await hostile(async (f) => {
        const chain = await within(
          f.createSession(
            ctrl.chainSession({
              order: 2, hashMode: 2, cipherAlgo: C.VIRTIO_CRYPTO_CIPHER_AES_CBC, key: KAT.key, op: 1,
              authAlgo: MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, resultLen: 32, authKey: KAT.key, aadLen: 0,
            }),
          ),
          'chain session',
        );
        expect(chain.status).toBe(S.VIRTIO_CRYPTO_OK);
        const req = data.chain({
          sessionId: chain.sessionId, encrypt: true, iv: KAT.iv, src: KAT.plaintext, aad: new Uint8Array(0),
          cipherStart: 0, cipherLen: 32, hashStart: 0, hashLen: 32, resultLen: 32,
        });
        expect(response((await f.submit(0, req)).segments).status).toBe(S.VIRTIO_CRYPTO_OK);
        expect(await status(f, patched(req, [[36, 0xffff_ffff], [40, 2]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
        expect(await status(f, patched(req, [[44, 16], [48, 0xffff_fff8]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
        const gcm = await within(f.createSession(ctrl.aeadSession(AEAD.VIRTIO_CRYPTO_AEAD_GCM, KAT.key, 16, 0, 2)), 'gcm session');
        expect(gcm.status).toBe(S.VIRTIO_CRYPTO_OK);
        expect(await status(f, data.aead(gcm.sessionId, false, KAT.iv.subarray(0, 12), new Uint8Array(0), Buffer.alloc(8), 8))).toBe(S.VIRTIO_CRYPTO_BADMSG);
      });
    });

    it('answers NOTSUPP for unknown data and control opcodes and unknown algorithms', async () => {
      await hostile(async (f) => {
        const sid = await cipherSession(f);
        expect(await status(f, patched(data.cipher(sid, true, KAT.iv, KAT.plaintext), [[0, 0xdead_beef]]))).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
        expect(await createStatus(f, patched(ctrl.hashSession(H.VIRTIO_CRYPTO_HASH_SHA_256, 32), [[0, 0x7777]]))).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
        expect(await createStatus(f, ctrl.cipherSession(200, KAT.key, 1))).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
        expect(await createStatus(f, ctrl.hashSession(0xffff_ffff, 32))).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
        expect(await createStatus(f, ctrl.aeadSession(99, KAT.key, 16, 0, 1))).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
      });
    });

    it('refuses key lengths beyond the advertised limits or the chain', async () => {
      await hostile(async (f) => {
        expect(await createStatus(f, patched(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1), [[20, 0xffff_ffff]]))).toBe(S.VIRTIO_CRYPTO_ERR);
        expect(await createStatus(f, patched(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1), [[20, 64]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
        expect(await createStatus(f, patched(ctrl.macSession(MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, 32, KAT.key), [[24, 4096]]))).toBe(S.VIRTIO_CRYPTO_ERR);
        expect(await createStatus(f, patched(ctrl.akcipherSession(1, 2, KAT.key, 1, 1), [[24, 4000]]))).toBe(S.VIRTIO_CRYPTO_BADMSG);
      });
    });

    it('answers INVSESS for session ids never issued, destroyed, or of another service', async () => {
      await hostile(async (f) => {
        for (const id of [0n, 12345n, 0xffff_ffff_ffff_ffffn]) expect(await status(f, data.cipher(id, true, KAT.iv, KAT.plaintext))).toBe(S.VIRTIO_CRYPTO_INVSESS);
        const sid = await cipherSession(f);
        expect(await f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, sid), sid)).toBe(S.VIRTIO_CRYPTO_OK);
        expect(await status(f, data.cipher(sid, true, KAT.iv, KAT.plaintext))).toBe(S.VIRTIO_CRYPTO_INVSESS);
        expect(await f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, sid), sid)).toBe(S.VIRTIO_CRYPTO_INVSESS);
        expect(await f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_HASH_DESTROY_SESSION, 999n), 999n)).toBe(S.VIRTIO_CRYPTO_INVSESS);
        const hash = await f.createSession(ctrl.hashSession(H.VIRTIO_CRYPTO_HASH_SHA_256, 32));
        expect(await status(f, data.cipher(hash.sessionId, true, KAT.iv, KAT.plaintext))).toBe(S.VIRTIO_CRYPTO_INVSESS);
      });
    });

    it('never lets a frontend use the session ids of the frontend before it', async () => {
      let earlier: bigint[] = [];
      await hostile(async (f) => {
        earlier = [await cipherSession(f), await cipherSession(f)];
      });
      await hostile(async (f) => {
        for (const id of earlier) expect(await status(f, data.cipher(id, true, KAT.iv, KAT.plaintext))).toBe(S.VIRTIO_CRYPTO_INVSESS);
        // Its own new sessions never take an earlier frontend's id either.
        expect(earlier).not.toContain(await cipherSession(f));
      });
    });

    it('answers NOSPC when the session table is full, and creates again after destroys', async () => {
      await hostile(async (f) => {
        const ids: bigint[] = [];
        for (let i = 0; i < MAX_SESSIONS; i++) ids.push(await cipherSession(f));
        expect(await createStatus(f, ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1))).toBe(S.VIRTIO_CRYPTO_NOSPC);
        expect(await createStatus(f, ctrl.hashSession(H.VIRTIO_CRYPTO_HASH_SHA_256, 32))).toBe(S.VIRTIO_CRYPTO_NOSPC);
        for (const id of ids.slice(0, 2)) expect(await f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, id), id)).toBe(S.VIRTIO_CRYPTO_OK);
        const again = await cipherSession(f);
        expect(await status(f, data.cipher(again, true, KAT.iv, KAT.plaintext))).toBe(S.VIRTIO_CRYPTO_OK);
        expect(await status(f, data.cipher(ids[3]!, true, KAT.iv, KAT.plaintext))).toBe(S.VIRTIO_CRYPTO_OK);
      });
    });

    it('cryptodev mode: refuses oversized keys, closes of unknown ids, and a full table, over messages 26/27', async () => {
      await hostile(async (f) => {
        // An unknown cipher algorithm forwarded by QEMU.
        expect((await f.createSession(patched(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1), [[16, 200]]))).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
        // A key length beyond the payload's 64-byte key field: the reply carries -ERR as the session id.
        const [h, key] = ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1).readable;
        const payload = cryptodevSessionPayload('qemu-8.1', h!, key!, new Uint8Array(0))!;
        payload.writeUInt32LE(0xffff_ff00, 12);
        f.sendRaw(M.VHOST_USER_CREATE_CRYPTO_SESSION, payload);
        const reply = Buffer.from(await within(f.receiveReply(M.VHOST_USER_CREATE_CRYPTO_SESSION), 'message 26'));
        expect(reply.length).toBe(payload.length);
        expect(reply.readBigInt64LE(1064)).toBe(-BigInt(S.VIRTIO_CRYPTO_ERR));
        expect(await f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, 4242n), 4242n)).toBe(S.VIRTIO_CRYPTO_INVSESS);
        const ids: bigint[] = [];
        for (let i = 0; i < MAX_SESSIONS; i++) ids.push(await cipherSession(f));
        expect((await f.createSession(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1))).status).toBe(S.VIRTIO_CRYPTO_NOSPC);
        expect(await f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, ids[0]!), ids[0]!)).toBe(S.VIRTIO_CRYPTO_OK);
        expect(await status(f, data.cipher(ids[0]!, true, KAT.iv, KAT.plaintext))).toBe(S.VIRTIO_CRYPTO_INVSESS);
        await cipherSession(f);
      }, 'cryptodev');
    });
  });
});
