// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { aeadVectors, akcipherVectors, cipherVectors, hashVectors, macVectors } from '../../../test/support/vectors.js';
import type { BackendSession, CryptoBackend, SessionParams } from '../backends/types.js';
import { SoftwareBackend } from '../backends/software/index.js';
import { VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_DATA_OP as DATA, VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import { ctrl, data, LAYOUTS, layOut, response, revision1, sessionInput, stateless, type Layout, type LogicalRequest } from '../testing/request-builder.js';
import { AEAD_BY_ID, CIPHER_BY_ID, HASH_BY_ID, MAC_BY_ID } from './algorithms.js';
import { CryptoDevice } from './device.js';

const idOf = <T>(table: ReadonlyMap<number, T>, name: T): number => [...table].find(([, n]) => n === name)![0];
const ALL = 0x3fn;
const REV1_ONLY = 0x1n;

function newDevice(acked: bigint, o: { maxSessions?: number; backend?: CryptoBackend } = {}): CryptoDevice {
  const d = new CryptoDevice({ backend: o.backend ?? new SoftwareBackend(), maxDataQueues: 1, maxSessions: o.maxSessions ?? 64, maxSize: 1 << 20 });
  d.setDriverFeatures(acked);
  return d;
}

function submit(d: CryptoDevice, req: LogicalRequest, layout: Layout = 'per-field'): { out: Buffer; status: number; used: number } {
  const seg = layOut(req, layout);
  const used = d.handleDataRequest(seg);
  const r = response(seg);
  return { out: Buffer.from(r.out), status: r.status, used };
}

function create(d: CryptoDevice, req: LogicalRequest): { sessionId: bigint; status: number } {
  const seg = layOut(req, 'per-field');
  d.handleControlRequest(seg);
  return sessionInput(seg);
}

/** Header word of a built request, for corrupting one field. */
function patch(req: LogicalRequest, offset: number, value: number): LogicalRequest {
  const h = Buffer.from(req.readable[0]!);
  h.writeUInt32LE(value >>> 0, offset);
  return { ...req, readable: [h, ...req.readable.slice(1)] };
}

const rsaParams = (v: { algorithm: string; padding: string; hash: string }): { algo: number; para0: number; para1: number } =>
  v.algorithm === 'rsa'
    ? { algo: 1, para0: v.padding === 'pkcs1' ? 1 : 0, para1: v.hash === 'sha256' ? 6 : 0 }
    : { algo: 3, para0: v.algorithm === 'ecdsa-p256' ? 3 : 4, para1: 0 };

describe('device features', () => {
  it('offers REVISION_1 and the stateless bit of every advertised service (software backend: all five)', () => {
    expect(newDevice(0n).deviceFeatures).toBe(ALL);
  });
});

describe('stateless known answers through the device model', () => {
  for (const layout of LAYOUTS) {
    describe(`layout ${layout}`, () => {
      for (const v of cipherVectors()) {
        it(`${v.algorithm} encrypts and decrypts (${v.source})`, () => {
          const d = newDevice(ALL);
          const id = idOf(CIPHER_BY_ID, v.algorithm);
          const e = submit(d, stateless.cipher(id, v.key, true, v.iv, v.plaintext), layout);
          expect([e.status, e.out.subarray(0, v.ciphertext.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.ciphertext.toString('hex')]);
          const p = submit(d, stateless.cipher(id, v.key, false, v.iv, v.ciphertext), layout);
          expect([p.status, p.out.subarray(0, v.plaintext.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.plaintext.toString('hex')]);
          expect(d.activeSessions).toBe(0);
        });
      }
      for (const v of hashVectors()) {
        it(`${v.algorithm} digests (${v.source})`, () => {
          const r = submit(newDevice(ALL), stateless.hash(idOf(HASH_BY_ID, v.algorithm), v.message, v.digest.length), layout);
          expect([r.status, r.out.subarray(0, v.digest.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.digest.toString('hex')]);
        });
      }
      for (const v of macVectors()) {
        it(`${v.algorithm} authenticates (${v.source})`, () => {
          const msg = v.algorithm === 'gmac-aes' ? Buffer.concat([v.iv, v.message]) : v.message;
          const r = submit(newDevice(ALL), stateless.mac(idOf(MAC_BY_ID, v.algorithm), v.key, msg, v.tag.length), layout);
          expect([r.status, r.out.subarray(0, v.tag.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.tag.toString('hex')]);
        });
      }
      for (const v of aeadVectors()) {
        it(`${v.algorithm} seals and opens, BADMSG on a bad tag (${v.source})`, () => {
          const d = newDevice(ALL);
          const algo = idOf(AEAD_BY_ID, v.algorithm);
          const sealedLen = v.plaintext.length + v.tag.length;
          const common = { algo, key: v.key, iv: v.iv, aad: v.aad, tagLen: v.tag.length };
          const e = submit(d, stateless.aead({ ...common, encrypt: true, src: v.plaintext, dstLen: sealedLen }), layout);
          expect([e.status, e.out.subarray(0, sealedLen).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.ciphertext.toString('hex') + v.tag.toString('hex')]);
          const sealed = Buffer.concat([v.ciphertext, v.tag]);
          const o = submit(d, stateless.aead({ ...common, encrypt: false, src: sealed, dstLen: v.plaintext.length }), layout);
          expect([o.status, o.out.subarray(0, v.plaintext.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.plaintext.toString('hex')]);
          sealed[sealed.length - 1]! ^= 1;
          expect(submit(d, stateless.aead({ ...common, encrypt: false, src: sealed, dstLen: v.plaintext.length }), layout).status).toBe(S.VIRTIO_CRYPTO_BADMSG);
        });
      }
    });
  }

  // Keys are parsed for every request, so akcipher runs in two layouts, not five.
  for (const layout of ['per-field', 'split'] as const) {
    for (const v of akcipherVectors()) {
      it(`${v.algorithm} ${v.operation} with used length 1 + result, KEY_REJECTED on a forged signature (${layout}, ${v.source})`, () => {
        const d = newDevice(ALL);
        const p = rsaParams(v);
        if (v.operation !== 'verify') {
          const sign = v.operation === 'sign';
          const opcode = sign ? DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN : DATA.VIRTIO_CRYPTO_AKCIPHER_ENCRYPT;
          const key = sign ? v.privateKey : v.publicKey;
          const r = submit(d, stateless.akcipher({ ...p, opcode, keyType: sign ? 2 : 1, key, src: v.input, dstLen: 512 }), layout);
          expect([r.status, r.used]).toEqual([S.VIRTIO_CRYPTO_OK, v.output.length + 1]);
          expect(r.out.subarray(0, v.output.length).toString('hex')).toBe(v.output.toString('hex'));
        }
        if (v.operation !== 'encrypt') {
          const verify = (sig: Buffer): number =>
            submit(d, stateless.akcipher({ ...p, opcode: DATA.VIRTIO_CRYPTO_AKCIPHER_VERIFY, keyType: 1, key: v.publicKey, src: sig, dstLen: 0, digest: v.input }), layout).status;
          expect(verify(v.output)).toBe(S.VIRTIO_CRYPTO_OK);
          const forged = Buffer.from(v.output);
          forged[3]! ^= 0x10;
          expect(verify(forged)).toBe(S.VIRTIO_CRYPTO_KEY_REJECTED);
        }
      });
    }
  }

  for (const layout of LAYOUTS) {
    it(`chains AES-CBC and HMAC-SHA256 both ways with aad, matching session mode (${layout})`, () => {
      const d = newDevice(ALL);
      const aesCbc = idOf(CIPHER_BY_ID, 'aes-cbc');
      const [key, authKey, iv, aad, src] = [Buffer.alloc(16, 7), Buffer.alloc(20, 3), Buffer.alloc(16, 1), Buffer.alloc(8, 5), Buffer.alloc(48, 9)];
      for (const order of [1, 2]) {
        const sess = create(d, ctrl.chainSession({ order, hashMode: 2, cipherAlgo: aesCbc, key, op: 1, authAlgo: 4, resultLen: 32, authKey, aadLen: aad.length }));
        const ranges = { cipherStart: 16, cipherLen: 32, hashStart: 0, hashLen: 48, resultLen: 32 };
        const want = submit(d, revision1.data(data.chain({ sessionId: sess.sessionId, encrypt: true, iv, src, aad, ...ranges })));
        const got = submit(d, stateless.chain({ order, hashMode: 2, cipherAlgo: aesCbc, key, encrypt: true, authAlgo: 4, authKey, iv, aad, src, ...ranges }), layout);
        expect([want.status, got.status]).toEqual([S.VIRTIO_CRYPTO_OK, S.VIRTIO_CRYPTO_OK]);
        expect(got.out.subarray(0, 80).toString('hex')).toBe(want.out.subarray(0, 80).toString('hex'));
      }
      const plain = stateless.chain({
        order: 1, hashMode: 1, cipherAlgo: aesCbc, key, encrypt: true, authAlgo: idOf(HASH_BY_ID, 'sha256'), authKey: Buffer.alloc(0),
        iv, aad: Buffer.alloc(0), src, cipherStart: 0, cipherLen: 48, hashStart: 0, hashLen: 48, resultLen: 32,
      });
      const h = submit(d, stateless.hash(idOf(HASH_BY_ID, 'sha256'), src, 32));
      const r = submit(d, plain, layout);
      expect([r.status, r.out.subarray(48, 80).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, h.out.subarray(0, 32).toString('hex')]);
      expect(d.activeSessions).toBe(2);
    });
  }
});

describe('stateless requests refused', () => {
  const aesCbc = idOf(CIPHER_BY_ID, 'aes-cbc');
  const key = Buffer.alloc(16, 7);
  const cipherReq = (): LogicalRequest => stateless.cipher(aesCbc, key, true, Buffer.alloc(16), Buffer.alloc(32));

  it('gives NOTSUPP when the service stateless bit was not acked, per service', () => {
    const hashOnly = newDevice(REV1_ONLY | (1n << 2n));
    expect(submit(hashOnly, stateless.hash(idOf(HASH_BY_ID, 'sha256'), Buffer.alloc(3), 32)).status).toBe(S.VIRTIO_CRYPTO_OK);
    expect(submit(hashOnly, cipherReq()).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
    expect(submit(hashOnly, stateless.mac(4, key, Buffer.alloc(3), 32)).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
    const revOnly = newDevice(REV1_ONLY);
    expect(submit(revOnly, stateless.hash(idOf(HASH_BY_ID, 'sha256'), Buffer.alloc(3), 32)).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
  });

  it('ignores stateless bits acked without REVISION_1: requests are read in the legacy layout', () => {
    const d = newDevice(ALL & ~REV1_ONLY);
    // flag is ignored: the 100-byte stateless cipher header is a legacy one naming session 0, no session.
    expect(submit(d, cipherReq()).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
    // The 40-byte stateless hash header is shorter than the legacy 72.
    expect(submit(d, stateless.hash(idOf(HASH_BY_ID, 'sha256'), Buffer.alloc(3), 32)).status).toBe(S.VIRTIO_CRYPTO_BADMSG);
  });

  it('gives ERR for keys longer than advertised, NOTSUPP for unknown algorithms, BADMSG for lengths the chain does not hold; never INVSESS, never a throw', () => {
    const d = newDevice(ALL);
    const cases: Array<[string, LogicalRequest, number]> = [
      ['cipher key_len 65', stateless.cipher(aesCbc, Buffer.alloc(65), true, Buffer.alloc(16), Buffer.alloc(16)), S.VIRTIO_CRYPTO_ERR],
      ['cipher key of a wrong size', stateless.cipher(aesCbc, Buffer.alloc(17), true, Buffer.alloc(16), Buffer.alloc(16)), S.VIRTIO_CRYPTO_ERR],
      ['mac key_len 513', stateless.mac(4, Buffer.alloc(513), Buffer.alloc(3), 32), S.VIRTIO_CRYPTO_ERR],
      ['aead key_len 65', stateless.aead({ algo: 1, key: Buffer.alloc(65), encrypt: true, iv: Buffer.alloc(12), aad: Buffer.alloc(0), src: Buffer.alloc(4), tagLen: 16, dstLen: 20 }), S.VIRTIO_CRYPTO_ERR],
      ['akcipher key_len 4097', stateless.akcipher({ opcode: DATA.VIRTIO_CRYPTO_AKCIPHER_ENCRYPT, algo: 1, keyType: 1, key: Buffer.alloc(4097), para0: 0, para1: 0, src: Buffer.alloc(4), dstLen: 8 }), S.VIRTIO_CRYPTO_ERR],
      ['key_len beyond the chain', patch(cipherReq(), 28, 32), S.VIRTIO_CRYPTO_BADMSG],
      ['src_data_len beyond the chain', patch(cipherReq(), 40, 4096), S.VIRTIO_CRYPTO_BADMSG],
      ['unknown cipher algorithm', stateless.cipher(10, key, true, Buffer.alloc(16), Buffer.alloc(16)), S.VIRTIO_CRYPTO_NOTSUPP],
      ['unknown hash algorithm', stateless.hash(99, Buffer.alloc(3), 32), S.VIRTIO_CRYPTO_NOTSUPP],
      ['unknown mac algorithm', stateless.mac(27, key, Buffer.alloc(3), 4), S.VIRTIO_CRYPTO_NOTSUPP],
      ['unknown aead algorithm', stateless.aead({ algo: 9, key, encrypt: true, iv: Buffer.alloc(12), aad: Buffer.alloc(0), src: Buffer.alloc(4), tagLen: 16, dstLen: 20 }), S.VIRTIO_CRYPTO_NOTSUPP],
      ['unknown akcipher algorithm', stateless.akcipher({ opcode: DATA.VIRTIO_CRYPTO_AKCIPHER_ENCRYPT, algo: 9, keyType: 1, key, para0: 0, para1: 0, src: Buffer.alloc(4), dstLen: 8 }), S.VIRTIO_CRYPTO_NOTSUPP],
      ['symmetric op type NONE', patch(cipherReq(), 96, 0), S.VIRTIO_CRYPTO_NOTSUPP],
      ['cipher op neither encrypt nor decrypt', patch(cipherReq(), 32, 7), S.VIRTIO_CRYPTO_ERR],
      ['truncated stateless header', { readable: [cipherReq().readable[0]!.subarray(0, 60)], writable: [1] }, S.VIRTIO_CRYPTO_BADMSG],
    ];
    const chain = stateless.chain({
      order: 2, hashMode: 2, cipherAlgo: aesCbc, key, encrypt: true, authAlgo: 4, authKey: Buffer.alloc(20), iv: Buffer.alloc(16),
      aad: Buffer.alloc(4), src: Buffer.alloc(32), cipherStart: 0, cipherLen: 32, hashStart: 0, hashLen: 32, resultLen: 32,
    });
    cases.push(['chain session aad_len disagreeing with the request aad_len', patch(chain, 28, 5), S.VIRTIO_CRYPTO_BADMSG]);
    cases.push(['chain cipher range past src', patch(chain, 72, 48), S.VIRTIO_CRYPTO_BADMSG]);
    cases.push(['chain auth key over max_auth_key_len', patch(chain, 48, 600), S.VIRTIO_CRYPTO_ERR]);
    cases.push(['chain unknown mac', patch(chain, 44, 27), S.VIRTIO_CRYPTO_NOTSUPP]);
    for (const [what, req, status] of cases) {
      for (const layout of ['per-field', 'split'] as const) {
        let got = -1;
        expect(() => (got = submit(d, req, layout).status), what).not.toThrow();
        expect([what, got]).toEqual([what, status]);
      }
    }
    expect(d.activeSessions).toBe(0);
  });

  it('never throws on random stateless-flagged bytes', () => {
    const d = newDevice(ALL);
    let x = 4242;
    const rnd = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)));
    const ops = [0x0000, 0x0001, 0x0100, 0x0200, 0x0300, 0x0301, 0x0400, 0x0403];
    for (let i = 0; i < 2000; i++) {
      const h = rnd(24 + ((x >>> 8) % 200));
      h.writeUInt32LE(ops[i % ops.length]!, 0);
      h.writeUInt32LE(i % 3 === 0 ? 1 : 0, 16);
      // Small lengths so that some requests get past the header checks.
      for (let off = 24; off + 4 <= Math.min(h.length, 100); off += 4) if (i % 2 === 0) h.writeUInt32LE(h.readUInt32LE(off) % 40, off);
      const writable = [new Uint8Array((x >>> 4) % 80)];
      expect(() => d.handleDataRequest({ readable: [h, rnd(64)], writable })).not.toThrow();
    }
    expect(d.activeSessions).toBe(0);
  });
});

describe('session mode with and without REVISION_1', () => {
  const aesCbc = idOf(CIPHER_BY_ID, 'aes-cbc');
  const key = Buffer.alloc(16, 7);
  const iv = Buffer.alloc(16, 1);
  const src = Buffer.alloc(32, 9);
  const sha256 = idOf(HASH_BY_ID, 'sha256');

  /** Creates cipher, hash, mac and aead sessions and runs one request on each; returns the outputs. */
  function run(d: CryptoDevice, c: (r: LogicalRequest) => LogicalRequest, dq: (r: LogicalRequest) => LogicalRequest): string[] {
    const cs = create(d, c(ctrl.cipherSession(aesCbc, key, 1)));
    const hs = create(d, c(ctrl.hashSession(sha256, 32)));
    const ms = create(d, c(ctrl.macSession(4, 32, Buffer.alloc(20, 3))));
    const as = create(d, c(ctrl.aeadSession(1, key, 16, 4, 1)));
    expect([cs.status, hs.status, ms.status, as.status]).toEqual([0, 0, 0, 0]);
    const outs = [
      submit(d, dq(data.cipher(cs.sessionId, true, iv, src)), 'split'),
      submit(d, dq(data.hash(hs.sessionId, src, 32)), 'coalesced'),
      submit(d, dq(data.mac(ms.sessionId, src, 32)), 'per-field'),
      submit(d, dq(data.aead(as.sessionId, true, Buffer.alloc(12, 2), Buffer.alloc(4, 4), src, 48)), 'oversized'),
    ];
    for (const o of outs) expect(o.status).toBe(S.VIRTIO_CRYPTO_OK);
    const destroy = layOut(c(ctrl.destroy(CTRL.VIRTIO_CRYPTO_HASH_DESTROY_SESSION, hs.sessionId)), 'per-field');
    d.handleControlRequest(destroy);
    expect(response(destroy).status).toBe(S.VIRTIO_CRYPTO_OK);
    return outs.map((o) => o.out.toString('hex').slice(0, 96));
  }

  it('gives the same results in the legacy layouts without REVISION_1 and the unpadded ones with it', () => {
    const id = (r: LogicalRequest): LogicalRequest => r;
    const legacy = run(newDevice(0n), id, id);
    expect(run(newDevice(REV1_ONLY), revision1.ctrl, revision1.data)).toEqual(legacy);
    expect(run(newDevice(ALL), revision1.ctrl, revision1.data)).toEqual(legacy);
  });

  it('with REVISION_1 acked, a session-mode akcipher request uses the 8-byte op_flf and INVSESS still means no session', () => {
    const v = akcipherVectors().find((a) => a.algorithm === 'rsa' && a.operation === 'sign')!;
    const d = newDevice(ALL);
    const p = rsaParams(v);
    const s = create(d, revision1.ctrl(ctrl.akcipherSession(p.algo, 2, v.privateKey, p.para0, p.para1)));
    const r = submit(d, revision1.data(data.akcipher(DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN, s.sessionId, v.input, 512)));
    expect([r.status, r.out.subarray(0, v.output.length).toString('hex')]).toEqual([S.VIRTIO_CRYPTO_OK, v.output.toString('hex')]);
    expect(submit(d, revision1.data(data.hash(999n, src, 32))).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
  });

  it('with REVISION_1 acked, an unknown control opcode is NOTSUPP and a short header BADMSG', () => {
    const d = newDevice(ALL);
    const odd = layOut({ readable: [Buffer.alloc(24, 0xee)], writable: [16] }, 'per-field');
    d.handleControlRequest(odd);
    expect(sessionInput(odd).status).toBe(S.VIRTIO_CRYPTO_NOTSUPP);
    const short = layOut({ readable: [revision1.ctrl(ctrl.macSession(4, 32, key)).readable[0]!.subarray(0, 20)], writable: [16] }, 'per-field');
    d.handleControlRequest(short);
    expect(sessionInput(short).status).toBe(S.VIRTIO_CRYPTO_BADMSG);
  });
});

describe('stateless sessions are transient', () => {
  /** A software backend that records session opens, closes and the key views it was given. */
  function spyBackend(): { backend: CryptoBackend; opened: number; closed: number; keys: Uint8Array[] } {
    const inner = new SoftwareBackend();
    const spy = { opened: 0, closed: 0, keys: [] as Uint8Array[], backend: undefined as unknown as CryptoBackend };
    spy.backend = {
      name: 'spy',
      capabilities: () => inner.capabilities(),
      createSession: (p: SessionParams) => {
        spy.opened++;
        if ('key' in p) spy.keys.push(p.key);
        return inner.createSession(p);
      },
      run: (s, op) => inner.run(s, op),
      destroySession: (s: BackendSession) => {
        spy.closed++;
        inner.destroySession(s);
      },
      close: () => inner.close(),
    };
    return spy;
  }

  it('closes every backend session after the request, wipes key copies, and needs no session-table room', () => {
    const spy = spyBackend();
    const d = newDevice(ALL, { backend: spy.backend, maxSessions: 1 });
    const aesCbc = idOf(CIPHER_BY_ID, 'aes-cbc');
    expect(create(d, ctrl.cipherSession(aesCbc, Buffer.alloc(16, 1), 1)).status).toBe(S.VIRTIO_CRYPTO_OK);
    const before = { opened: spy.opened, closed: spy.closed };
    const key = Buffer.alloc(16, 0xab);
    for (const layout of LAYOUTS) {
      expect(submit(d, stateless.cipher(aesCbc, key, true, Buffer.alloc(16), Buffer.alloc(32)), layout).status).toBe(S.VIRTIO_CRYPTO_OK);
      expect(submit(d, stateless.mac(4, key, Buffer.alloc(8), 32), layout).status).toBe(S.VIRTIO_CRYPTO_OK);
    }
    expect(spy.opened - before.opened).toBe(2 * LAYOUTS.length);
    expect(spy.closed - before.closed).toBe(spy.opened - before.opened);
    expect(d.activeSessions).toBe(1);
    // The 'split' layout spreads keys across descriptors: the device read them into copies, now zeroed.
    const copies = spy.keys.slice(1).filter((k) => k.byteLength === 16 && k.byteOffset === 0 && k.buffer.byteLength === 16);
    expect(copies.length).toBeGreaterThan(0);
    for (const k of copies) expect(Buffer.from(k).equals(Buffer.alloc(16))).toBe(true);
  });
});
