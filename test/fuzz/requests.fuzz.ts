// SPDX-License-Identifier: Apache-2.0
/**
 * Fuzz targets: the data-queue and control-queue request parsers of the device model
 * (CryptoDevice.handleDataRequest / handleControlRequest over the software backend, sessions of
 * every kind open), fed chains cut into segments the way the input says. Seeds: the requests
 * the self-test and unit tests send (request-builder with the self-test vectors). A bug is: an
 * exception, a used length beyond the writable bytes, a status byte that is no virtio status, or
 * a write into the readable segments.
 */
import { describe, expect, it } from 'vitest';
import { createCryptoBackend } from '../../device-core/src/backends/index.js';
import { CryptoDevice } from '../../device-core/src/crypto/device.js';
import { parseCtrlRequest } from '../../device-core/src/crypto/ctrl-request.js';
import { RequestReader, type SegmentedRequest } from '../../device-core/src/crypto/segments.js';
import { SELFTEST_VECTORS as V } from '../../device-core/src/selftest/vectors.js';
import {
  VIRTIO_CRYPTO_AEAD as AEAD,
  VIRTIO_CRYPTO_CIPHER as C,
  VIRTIO_CRYPTO_CTRL_OP as CTRL,
  VIRTIO_CRYPTO_DATA_OP as DATA,
  VIRTIO_CRYPTO_HASH as H,
  VIRTIO_CRYPTO_MAC as MAC,
} from '../../device-core/src/spec/virtio-crypto.js';
import { ctrl, data, revision1, stateless, type LogicalRequest } from '../../device-core/src/testing/request-builder.js';
import { corpusDirFor, fuzz, fuzzSeconds } from './engine.js';

const SECONDS = fuzzSeconds(30);
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const rsa = V.akcipher.find((v) => v.algorithm === 'rsa' && v.operation === 'sign')!;
const ecdsa = V.akcipher.find((v) => v.algorithm.startsWith('ecdsa'))!;
const KEY = Buffer.alloc(32, 0x11);

/** Splits bytes into n views at points the salt moves. */
function split(b: Uint8Array, n: number, salt: number): Uint8Array[] {
  const cuts = new Set<number>();
  for (let i = 1; i < n; i++) cuts.add(b.length === 0 ? 0 : ((i * b.length) / n + salt * i * 7) % (b.length + 1) | 0);
  const points = [0, ...[...cuts].sort((x, y) => x - y), b.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push(b.subarray(points[i]!, points[i + 1]!));
  return out;
}

/**
 * Input layout: u16 writable length, readable segment count and salt, writable segment count
 * and salt, then the readable bytes.
 */
function chainOf(d: Uint8Array): SegmentedRequest {
  if (d.length < 4) return { readable: [Buffer.from(d)], writable: [] };
  const wLen = (d[0]! | (d[1]! << 8)) & 0x3fff;
  return { readable: split(Buffer.from(d.subarray(4)), 1 + (d[2]! & 7), d[2]! >> 3), writable: split(Buffer.alloc(wLen), 1 + (d[3]! & 3), d[3]! >> 2) };
}

/** The input that gives this request as one readable and one writable segment. */
function seedOf(req: LogicalRequest): Uint8Array {
  const wLen = req.writable.reduce((a, b) => a + b, 0);
  return Buffer.concat([Buffer.from([wLen & 0xff, (wLen >> 8) & 0xff, 0, 0]), ...req.readable]);
}

function check(req: SegmentedRequest, usedLen: number, statusIsLast: boolean): void {
  const wTotal = req.writable.reduce((a, w) => a + w.length, 0);
  if (!(usedLen >= 0 && usedLen <= wTotal)) throw new Error(`used length ${usedLen} with ${wTotal} writable bytes`);
  if (statusIsLast && usedLen > 0) {
    const last = [...req.writable].reverse().find((w) => w.length > 0)!;
    const status = last[last.length - 1]!;
    if (status > 6) throw new Error(`status byte ${status}`);
  }
}

function runChecked(d: Uint8Array, handle: (r: SegmentedRequest) => number, statusIsLast: boolean): void {
  const req = chainOf(d);
  const readableBefore = req.readable.map((r) => Buffer.from(r));
  const used = handle(req);
  check(req, used, statusIsLast);
  req.readable.forEach((r, i) => {
    if (!Buffer.from(r).equals(readableBefore[i]!)) throw new Error(`readable segment ${i} was written`);
  });
}

/** A device with one open session of every kind: ids 1.. in SESSIONS order. */
function deviceWithSessions(): { device: CryptoDevice; ids: bigint[] } {
  const device = new CryptoDevice({ backend: createCryptoBackend('software'), maxDataQueues: 1, maxSessions: 64, maxSize: 1 << 16 });
  const ids: bigint[] = [];
  for (const r of sessionRequests()) {
    const req = { readable: r.readable.map((x) => Buffer.from(x)), writable: [Buffer.alloc(16)] };
    device.handleControlRequest(req);
    const id = req.writable[0]!.readBigUInt64LE(0);
    if (req.writable[0]!.readUInt32LE(8) !== 0) throw new Error('a seed session was refused');
    ids.push(id);
  }
  return { device, ids };
}

function sessionRequests(): LogicalRequest[] {
  return [
    ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KEY.subarray(0, 16), 1),
    ctrl.chainSession({ order: 2, hashMode: 2, cipherAlgo: C.VIRTIO_CRYPTO_CIPHER_AES_CBC, key: KEY.subarray(0, 16), op: 1, authAlgo: MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, resultLen: 32, authKey: KEY, aadLen: 0 }),
    ctrl.chainSession({ order: 1, hashMode: 1, cipherAlgo: C.VIRTIO_CRYPTO_CIPHER_AES_CTR, key: KEY.subarray(0, 16), op: 2, authAlgo: H.VIRTIO_CRYPTO_HASH_SHA1, resultLen: 20, authKey: new Uint8Array(0), aadLen: 0 }),
    ctrl.hashSession(H.VIRTIO_CRYPTO_HASH_SHA_256, 32),
    ctrl.macSession(MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, 32, KEY),
    ctrl.macSession(MAC.VIRTIO_CRYPTO_MAC_GMAC_AES, 16, KEY.subarray(0, 16)),
    ctrl.aeadSession(AEAD.VIRTIO_CRYPTO_AEAD_GCM, KEY, 16, 0, 1),
    ctrl.aeadSession(AEAD.VIRTIO_CRYPTO_AEAD_CCM, KEY.subarray(0, 16), 8, 0, 2),
    ctrl.akcipherSession(1, 2, hex(rsa.privateKey), 1, 6),
    ctrl.akcipherSession(3, 2, hex(ecdsa.privateKey), 3, 0),
  ];
}

function dataSeeds(ids: readonly bigint[]): Uint8Array[] {
  const [cbc, chainMac, chainHash, sha, hmac, gmac, gcm, ccm, rsaId, ecId] = ids as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  const iv = Buffer.alloc(16, 2);
  const src = Buffer.alloc(64, 3);
  const chain = (sessionId: bigint, resultLen: number) =>
    data.chain({ sessionId, encrypt: true, iv, src, aad: Buffer.alloc(8), cipherStart: 16, cipherLen: 32, hashStart: 0, hashLen: 64, resultLen });
  return [
    data.cipher(cbc, true, iv, src),
    data.cipher(cbc, false, iv, src),
    chain(chainMac, 32),
    chain(chainHash, 20),
    data.hash(sha, src, 32),
    data.mac(hmac, src, 32),
    data.mac(gmac, Buffer.concat([Buffer.alloc(12, 9), src]), 16),
    data.aead(gcm, true, iv.subarray(0, 12), Buffer.alloc(8), src, 80),
    data.aead(ccm, false, iv.subarray(0, 12), Buffer.alloc(0), Buffer.alloc(72), 64),
    data.akcipher(DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN, rsaId, hex(rsa.input), 256),
    data.akcipher(DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN, ecId, Buffer.alloc(32, 5), 64),
    data.verify(ecId, Buffer.alloc(64, 1), Buffer.alloc(32, 5)),
  ].map(seedOf);
}

/** Stateless requests of every service and the session seeds in the REVISION_1 layout. */
function revision1Seeds(ids: readonly bigint[]): Uint8Array[] {
  const [iv, src, k16] = [Buffer.alloc(16, 2), Buffer.alloc(64, 3), KEY.subarray(0, 16)];
  const cbc = C.VIRTIO_CRYPTO_CIPHER_AES_CBC;
  const sessionMode = dataSeeds(ids).map((seed) => {
    const w = [seed[0]! | (seed[1]! << 8)];
    return seedOf(revision1.data({ readable: [Buffer.from(seed.subarray(4, 76)), Buffer.from(seed.subarray(76))], writable: w }));
  });
  return [
    ...sessionMode,
    ...[
      stateless.cipher(cbc, k16, true, iv, src),
      stateless.chain({ order: 2, hashMode: 2, cipherAlgo: cbc, key: k16, encrypt: true, authAlgo: MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, authKey: KEY, iv, aad: Buffer.alloc(8), src, cipherStart: 16, cipherLen: 32, hashStart: 0, hashLen: 64, resultLen: 32 }),
      stateless.hash(H.VIRTIO_CRYPTO_HASH_SHA_256, src, 32),
      stateless.mac(MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, KEY, src, 32),
      stateless.aead({ algo: AEAD.VIRTIO_CRYPTO_AEAD_GCM, key: KEY, encrypt: true, iv: iv.subarray(0, 12), aad: Buffer.alloc(8), src, tagLen: 16, dstLen: 80 }),
      stateless.akcipher({ opcode: DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN, algo: 3, keyType: 2, key: hex(ecdsa.privateKey), para0: 3, para1: 0, src: Buffer.alloc(32, 5), dstLen: 64 }),
    ].map(seedOf),
  ];
}

function ctrlSeeds(): Uint8Array[] {
  return [...sessionRequests(), ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, 1n), ctrl.destroy(CTRL.VIRTIO_CRYPTO_AKCIPHER_DESTROY_SESSION, 9n)].map(seedOf);
}

function expectNoCrash(r: ReturnType<typeof fuzz>): void {
  console.log(`${r.name}: ${r.execs} runs, ${r.corpus} corpus entries, ${r.features} coverage features`);
  expect(r.crash, r.crash === undefined ? '' : `input ${r.crash.input} (saved as ${r.crash.file}): ${r.crash.error}`).toBeUndefined();
  expect(r.execs).toBeGreaterThan(r.corpus);
}

describe('fuzzing the virtio-crypto request parsers', () => {
  it('data requests: no exception, used length within the writable bytes, a status byte, readable bytes untouched', () => {
    const { device, ids } = deviceWithSessions();
    const r = fuzz({
      name: 'data-request',
      seeds: dataSeeds(ids),
      seconds: SECONDS,
      maxLen: 2048,
      corpusDir: corpusDirFor('data-request'),
      target: (d) => runChecked(d, (req) => device.handleDataRequest(req), true),
    });
    expectNoCrash(r);
  });

  it('REVISION_1 data requests (stateless and unpadded session mode): the same checks, no key written into readable bytes', () => {
    const { device, ids } = deviceWithSessions();
    device.setDriverFeatures(0x3fn);
    const r = fuzz({
      name: 'revision1-data-request',
      seeds: revision1Seeds(ids),
      seconds: SECONDS / 3,
      maxLen: 2048,
      corpusDir: corpusDirFor('revision1-data-request'),
      target: (d) => runChecked(d, (req) => device.handleDataRequest(req), true),
    });
    expectNoCrash(r);
  });

  it('control requests: no exception from the parser or the device, used length within the writable bytes, readable bytes untouched', () => {
    const device = new CryptoDevice({ backend: createCryptoBackend('software'), maxDataQueues: 1, maxSessions: 8, maxSize: 1 << 16 });
    const limits = { maxCipherKeyLen: 64, maxAuthKeyLen: 512, maxAkcipherKeyLen: 4096 };
    const r = fuzz({
      name: 'ctrl-request',
      seeds: ctrlSeeds(),
      seconds: SECONDS,
      maxLen: 4096,
      corpusDir: corpusDirFor('ctrl-request'),
      target: (d) => {
        parseCtrlRequest(new RequestReader(chainOf(d).readable), limits);
        runChecked(d, (req) => device.handleControlRequest(req), false);
        device.reset();
      },
    });
    expectNoCrash(r);
  });
});
