// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { aeadVectors, akcipherVectors, cipherVectors, hashVectors, macVectors } from '../../../test/support/vectors.js';
import { SoftwareBackend } from '../backends/software/index.js';
import { VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_DATA_OP as DATA, VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import { ctrl, data, LAYOUTS, layOut, response, sessionInput, type Layout, type LogicalRequest } from '../testing/request-builder.js';
import { AEAD_BY_ID, CIPHER_BY_ID, HASH_BY_ID, MAC_BY_ID } from './algorithms.js';
import { CryptoDevice } from './device.js';

const idOf = <T>(table: ReadonlyMap<number, T>, name: T): number => [...table].find(([, n]) => n === name)![0];

function newDevice(maxSessions = 64): CryptoDevice {
  return new CryptoDevice({ backend: new SoftwareBackend(), maxDataQueues: 1, maxSessions, maxSize: 1 << 20 });
}

function create(d: CryptoDevice, req: LogicalRequest, layout: Layout = 'per-field'): { sessionId: bigint; status: number } {
  const seg = layOut(req, layout);
  d.handleControlRequest(seg);
  return sessionInput(seg);
}

function submit(d: CryptoDevice, req: LogicalRequest, layout: Layout = 'per-field'): { out: Buffer; status: number; used: number } {
  const seg = layOut(req, layout);
  const used = d.handleDataRequest(seg);
  const r = response(seg);
  return { out: Buffer.from(r.out), status: r.status, used };
}

describe('CryptoDevice known answers through the device model', () => {
  for (const layout of LAYOUTS) {
    describe(`layout ${layout}`, () => {
      for (const v of cipherVectors()) {
        it(`${v.algorithm} encrypts and decrypts (${v.source})`, () => {
          const d = newDevice();
          const id = idOf(CIPHER_BY_ID, v.algorithm);
          const enc = create(d, ctrl.cipherSession(id, v.key, 1), layout);
          expect(enc.status).toBe(S.VIRTIO_CRYPTO_OK);
          const e = submit(d, data.cipher(enc.sessionId, true, v.iv, v.plaintext), layout);
          expect(e.status).toBe(S.VIRTIO_CRYPTO_OK);
          expect(e.out.subarray(0, v.ciphertext.length).toString('hex')).toBe(v.ciphertext.toString('hex'));
          const dec = create(d, ctrl.cipherSession(id, v.key, 2), layout);
          const p = submit(d, data.cipher(dec.sessionId, false, v.iv, v.ciphertext), layout);
          expect(p.out.subarray(0, v.plaintext.length).toString('hex')).toBe(v.plaintext.toString('hex'));
        });
      }
      for (const v of hashVectors()) {
        it(`${v.algorithm} digests (${v.source})`, () => {
          const d = newDevice();
          const s = create(d, ctrl.hashSession(idOf(HASH_BY_ID, v.algorithm), v.digest.length), layout);
          const r = submit(d, data.hash(s.sessionId, v.message, v.digest.length), layout);
          expect([r.status, r.out.subarray(0, v.digest.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.digest.toString('hex')]);
        });
      }
      for (const v of macVectors()) {
        it(`${v.algorithm} authenticates (${v.source})`, () => {
          const d = newDevice();
          const s = create(d, ctrl.macSession(idOf(MAC_BY_ID, v.algorithm), v.tag.length, v.key), layout);
          expect(s.status).toBe(S.VIRTIO_CRYPTO_OK);
          // GMAC's nonce rides in front of the data (the MAC request has no IV field).
          const msg = v.algorithm === 'gmac-aes' ? Buffer.concat([v.iv, v.message]) : v.message;
          const r = submit(d, data.mac(s.sessionId, msg, v.tag.length), layout);
          expect([r.status, r.out.subarray(0, v.tag.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.tag.toString('hex')]);
        });
      }
      for (const v of aeadVectors()) {
        it(`${v.algorithm} seals and opens, BADMSG on a bad tag (${v.source})`, () => {
          const d = newDevice();
          const id = idOf(AEAD_BY_ID, v.algorithm);
          const enc = create(d, ctrl.aeadSession(id, v.key, v.tag.length, v.aad.length, 1), layout);
          const sealedLen = v.plaintext.length + v.tag.length;
          const e = submit(d, data.aead(enc.sessionId, true, v.iv, v.aad, v.plaintext, sealedLen), layout);
          expect(e.out.subarray(0, sealedLen).toString('hex')).toBe(v.ciphertext.toString('hex') + v.tag.toString('hex'));
          const dec = create(d, ctrl.aeadSession(id, v.key, v.tag.length, v.aad.length, 2), layout);
          const sealed = Buffer.concat([v.ciphertext, v.tag]);
          const o = submit(d, data.aead(dec.sessionId, false, v.iv, v.aad, sealed, v.plaintext.length), layout);
          expect([o.status, o.out.subarray(0, v.plaintext.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.plaintext.toString('hex')]);
          sealed[sealed.length - 1]! ^= 1;
          expect(submit(d, data.aead(dec.sessionId, false, v.iv, v.aad, sealed, v.plaintext.length), layout).status).toBe(S.VIRTIO_CRYPTO_BADMSG);
        });
      }
    });
  }

  for (const v of akcipherVectors()) {
    it(`${v.algorithm} ${v.operation} with used length 1 + result (${v.source})`, () => {
      const d = newDevice();
      const rsa = v.algorithm === 'rsa';
      const algo = rsa ? 1 : 3;
      const p0 = rsa ? (v.padding === 'pkcs1' ? 1 : 0) : 3;
      const p1 = rsa ? (v.hash === 'sha256' ? 6 : 0) : 0;
      const priv = create(d, ctrl.akcipherSession(algo, 2, v.privateKey, p0, p1));
      const pub = create(d, ctrl.akcipherSession(algo, 1, v.publicKey, p0, p1));
      expect([priv.status, pub.status]).toEqual([S.VIRTIO_CRYPTO_OK, S.VIRTIO_CRYPTO_OK]);
      if (v.operation !== 'verify') {
        const op = v.operation === 'sign' ? DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN : DATA.VIRTIO_CRYPTO_AKCIPHER_ENCRYPT;
        const r = submit(d, data.akcipher(op, v.operation === 'sign' ? priv.sessionId : pub.sessionId, v.input, 512));
        expect(r.status).toBe(S.VIRTIO_CRYPTO_OK);
        expect(r.used).toBe(v.output.length + 1);
        expect(r.out.subarray(0, v.output.length).toString('hex')).toBe(v.output.toString('hex'));
      }
      if (v.operation !== 'encrypt') {
        expect(submit(d, data.verify(pub.sessionId, v.output, v.input)).status).toBe(S.VIRTIO_CRYPTO_OK);
        const forged = Buffer.from(v.output);
        forged[3]! ^= 0x10;
        expect(submit(d, data.verify(pub.sessionId, forged, v.input)).status).toBe(S.VIRTIO_CRYPTO_KEY_REJECTED);
      }
    });
  }
});

describe('CryptoDevice status paths', () => {
  const key = Buffer.alloc(16, 7);
  const aesCbc = idOf(CIPHER_BY_ID, 'aes-cbc');

  it('returns INVSESS for an unknown session id and after destroy', () => {
    const d = newDevice();
    expect(submit(d, data.cipher(99n, true, Buffer.alloc(16), Buffer.alloc(16))).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
    const s = create(d, ctrl.cipherSession(aesCbc, key, 1));
    const destroy = layOut(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, s.sessionId), 'per-field');
    d.handleControlRequest(destroy);
    expect(response(destroy).status).toBe(S.VIRTIO_CRYPTO_OK);
    expect(submit(d, data.cipher(s.sessionId, true, Buffer.alloc(16), Buffer.alloc(16))).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
    const again = layOut(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, s.sessionId), 'per-field');
    d.handleControlRequest(again);
    expect(response(again).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
  });

  it('returns NOSPC when the table is full and accepts again after a destroy, never reusing an id', () => {
    const d = newDevice(2);
    const a = create(d, ctrl.cipherSession(aesCbc, key, 1));
    const b = create(d, ctrl.cipherSession(aesCbc, key, 1));
    expect(create(d, ctrl.cipherSession(aesCbc, key, 1)).status).toBe(S.VIRTIO_CRYPTO_NOSPC);
    d.handleControlRequest(layOut(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, a.sessionId), 'coalesced'));
    const c = create(d, ctrl.cipherSession(aesCbc, key, 1));
    expect(c.status).toBe(S.VIRTIO_CRYPTO_OK);
    expect(new Set([a.sessionId, b.sessionId, c.sessionId]).size).toBe(3);
  });

  it('returns NOTSUPP for algorithms it does not advertise and for unknown opcodes', () => {
    const d = newDevice();
    expect(create(d, ctrl.cipherSession(10 /* KASUMI_F8 */, key, 1)).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
    expect(create(d, ctrl.hashSession(99, 32)).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
    const odd = layOut({ readable: [Buffer.alloc(72, 0xee)], writable: [1] }, 'per-field');
    d.handleDataRequest(odd);
    expect(response(odd).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
  });

  it('returns ERR for a key longer than advertised or of the wrong size', () => {
    const d = newDevice();
    expect(create(d, ctrl.cipherSession(aesCbc, Buffer.alloc(65), 1)).status).toBe(S.VIRTIO_CRYPTO_ERR);
    expect(create(d, ctrl.cipherSession(aesCbc, Buffer.alloc(17), 1)).status).toBe(S.VIRTIO_CRYPTO_ERR);
  });

  it('returns BADMSG for a chain shorter than its header says, and 0 used bytes when there is nowhere to write', () => {
    const d = newDevice();
    const s = create(d, ctrl.cipherSession(aesCbc, key, 1));
    const req = data.cipher(s.sessionId, true, Buffer.alloc(16), Buffer.alloc(32));
    const short = layOut({ readable: req.readable.slice(0, 2), writable: req.writable }, 'per-field');
    d.handleDataRequest(short);
    expect(response(short).status).toBe(S.VIRTIO_CRYPTO_BADMSG);
    expect(d.handleDataRequest({ readable: [Buffer.alloc(72)], writable: [] })).toBe(0);
    expect(d.handleDataRequest({ readable: [], writable: [new Uint8Array(1)] })).toBe(1);
  });

  it('chains cipher then HMAC over the ciphertext, honouring offsets', () => {
    const d = newDevice();
    const authKey = Buffer.alloc(20, 3);
    const s = create(d, ctrl.chainSession({ order: 2, hashMode: 2, cipherAlgo: aesCbc, key, op: 1, authAlgo: 4, resultLen: 32, authKey, aadLen: 0 }));
    expect(s.status).toBe(S.VIRTIO_CRYPTO_OK);
    const src = Buffer.alloc(48, 9);
    const iv = Buffer.alloc(16, 1);
    const r = submit(d, data.chain({ sessionId: s.sessionId, encrypt: true, iv, src, aad: Buffer.alloc(0), cipherStart: 16, cipherLen: 32, hashStart: 0, hashLen: 48, resultLen: 32 }));
    expect(r.status).toBe(S.VIRTIO_CRYPTO_OK);
    const c = create(d, ctrl.cipherSession(aesCbc, key, 1));
    const ct = submit(d, data.cipher(c.sessionId, true, iv, src.subarray(16))).out.subarray(0, 32);
    const expected = Buffer.concat([src.subarray(0, 16), ct]);
    expect(r.out.subarray(0, 48).equals(expected)).toBe(true);
    const m = create(d, ctrl.macSession(4, 32, authKey));
    const tag = submit(d, data.mac(m.sessionId, expected, 32)).out.subarray(0, 32);
    expect(r.out.subarray(48, 80).equals(tag)).toBe(true);
  });

  it('wipes every session on reset', () => {
    const d = newDevice();
    const s = create(d, ctrl.cipherSession(aesCbc, key, 1));
    d.reset();
    expect(d.activeSessions).toBe(0);
    expect(submit(d, data.cipher(s.sessionId, true, Buffer.alloc(16), Buffer.alloc(16))).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
  });

  it('advertises in config space exactly what the backend computes', () => {
    const cfg = Buffer.from(newDevice().config());
    expect(cfg.length).toBe(56);
    expect(cfg.readUInt32LE(0)).toBe(1);
    expect(cfg.readUInt32LE(8)).toBe(0b11111);
    const cipherMask = cfg.readUInt32LE(12);
    expect(cipherMask & (1 << 3)).not.toBe(0); // AES-CBC
    expect(cipherMask & (1 << 6)).toBe(0); // DES-CBC: OpenSSL here refuses it
    expect(cfg.readUInt32LE(28) & (1 << (53 - 32))).not.toBe(0); // XCBC-AES in mac_algo_h
  });

  it('never throws on random bytes and always writes a status where it can', () => {
    const d = newDevice();
    let x = 12345;
    const rnd = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)));
    for (let i = 0; i < 3000; i++) {
      const readable = [rnd((x >>> 8) % 160)];
      const h = readable[0]!;
      if (h.length >= 4 && i % 2 === 0) h.writeUInt32LE([0x0000, 0x0100, 0x0200, 0x0300, 0x0400, 0x0403, 0x0002, 0x0404][i % 8]!, 0);
      const writable = [new Uint8Array((x >>> 4) % 40)];
      expect(() => d.handleDataRequest({ readable, writable })).not.toThrow();
      expect(() => d.handleControlRequest({ readable, writable })).not.toThrow();
    }
  });
});

describe('CryptoDevice stats', () => {
  it('counts created, destroyed and refused sessions (an unsupported algorithm is a failed creation)', () => {
    const events: string[] = [];
    const d = new CryptoDevice({
      backend: new SoftwareBackend(), maxDataQueues: 1, maxSessions: 4, maxSize: 1 << 20,
      stats: { onRequest: () => undefined, onSession: (e) => events.push(`${e.event}:${e.active}`) },
    });
    const s = create(d, ctrl.cipherSession(idOf(CIPHER_BY_ID, 'aes-cbc'), Buffer.alloc(16), 1));
    expect(create(d, ctrl.cipherSession(250, Buffer.alloc(16), 1)).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
    const destroy = layOut(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, s.sessionId), 'per-field');
    d.handleControlRequest(destroy);
    expect(events).toEqual(['created:1', 'failed:1', 'destroyed:0']);
  });
});
