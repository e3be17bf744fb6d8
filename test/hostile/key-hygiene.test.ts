// SPDX-License-Identifier: Apache-2.0
/**
 * Key hygiene of a real `vcrypto device` process: recognisable keys (0x5A… cipher keys, 0xA5…
 * authentication keys, the self-test RSA and ECDSA private keys) go through every session kind
 * in device mode (control queue) and cryptodev mode (vhost-user message 26, every QEMU layout),
 * accepted and refused, plus data requests that succeed and fail and protocol errors carrying
 * key-like bytes, with every tracer on, debug logging and a metrics scrape. Then everything the
 * process wrote (stdout, stderr, /metrics) is scanned for the keys as raw bytes, hex, base64,
 * base64url and decimal lists. Also: the standalone socket is not writable by others.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SELFTEST_VECTORS } from '../../device-core/src/selftest/vectors.js';
import { VHOST_USER as M, VHOST_USER_PROTOCOL_F as PF } from '../../device-core/src/spec/vhost-user.js';
import {
  VIRTIO_CRYPTO_AEAD as AEAD,
  VIRTIO_CRYPTO_CIPHER as C,
  VIRTIO_CRYPTO_CTRL_OP as CTRL,
  VIRTIO_CRYPTO_DATA_OP as DATA,
  VIRTIO_CRYPTO_MAC as MAC,
  VIRTIO_CRYPTO_STATUS as S,
} from '../../device-core/src/spec/virtio-crypto.js';
import type { SessionLayout } from '../../device-core/src/testing/cryptodev-session.js';
import type { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import { ctrl, data, type LogicalRequest } from '../../device-core/src/testing/request-builder.js';
import { connect, expectNextServed, RawClient, startDevice, until, within, DATAPATHS, datapathArgs, type DeviceProcess } from './support.js';

const CIPHER_KEY = (n: number): Buffer => Buffer.alloc(n, 0x5a);
const AUTH_KEY = (n: number): Buffer => Buffer.alloc(n, 0xa5);
const rsa = SELFTEST_VECTORS.akcipher.find((v) => v.algorithm === 'rsa')!;
const ecdsa = SELFTEST_VECTORS.akcipher.find((v) => v.algorithm.startsWith('ecdsa'))!;
const RSA_PRIV = Buffer.from(rsa.privateKey, 'hex');
const EC_PRIV = Buffer.from(ecdsa.privateKey, 'hex');

/** Secret byte windows to look for: runs of each key pattern and slices of the private keys' secret parts. */
const SECRETS: Buffer[] = [
  CIPHER_KEY(12),
  AUTH_KEY(12),
  RSA_PRIV.subarray(RSA_PRIV.length - 16),
  RSA_PRIV.subarray(300, 316),
  EC_PRIV.subarray(7, 23),
];

/** Every way a byte window could be written out. */
function encodings(b: Buffer): string[] {
  const out = [b.toString('latin1'), b.toString('hex'), b.toString('hex').toUpperCase(), [...b].join(','), [...b].join(', ')];
  for (let shift = 0; shift < 3; shift++) {
    // The base64 of the window at each alignment, trimmed to the characters fully inside it.
    const s = Buffer.concat([Buffer.alloc(shift), b]).toString('base64');
    const inner = s.slice(Math.ceil((shift * 4) / 3) + 1, Math.floor(((shift + b.length) * 4) / 3) - 1);
    out.push(inner, inner.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  out.push(String.fromCharCode(...b));
  return out;
}

let dev: DeviceProcess;
let metricsUrl: string;

async function create(f: VhostUserFrontend, req: LogicalRequest): Promise<{ status: number; sessionId: bigint }> {
  return within(f.createSession(req), 'session create');
}

/** Sessions of every kind with the recognisable keys, accepted and refused; returns the accepted ids. */
async function everySessionKind(f: VhostUserFrontend): Promise<bigint[]> {
  const reqs: LogicalRequest[] = [
    ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, CIPHER_KEY(32), 1),
    ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_XTS, CIPHER_KEY(64), 2),
    ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, CIPHER_KEY(15), 1), // refused: no 15-byte AES key
    ctrl.chainSession({
      order: 2, hashMode: 2, cipherAlgo: C.VIRTIO_CRYPTO_CIPHER_AES_CBC, key: CIPHER_KEY(16), op: 1,
      authAlgo: MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, resultLen: 32, authKey: AUTH_KEY(64), aadLen: 0,
    }),
    ctrl.macSession(MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, 32, AUTH_KEY(40)),
    ctrl.macSession(MAC.VIRTIO_CRYPTO_MAC_CMAC_AES, 16, CIPHER_KEY(16)),
    ctrl.macSession(MAC.VIRTIO_CRYPTO_MAC_CMAC_AES, 16, AUTH_KEY(13)), // refused
    ctrl.aeadSession(AEAD.VIRTIO_CRYPTO_AEAD_GCM, CIPHER_KEY(32), 16, 0, 1),
    ctrl.aeadSession(AEAD.VIRTIO_CRYPTO_AEAD_CHACHA20_POLY1305, CIPHER_KEY(32), 16, 0, 2),
    ctrl.akcipherSession(1, 2, RSA_PRIV, 1, 6),
    ctrl.akcipherSession(1, 2, Buffer.concat([RSA_PRIV.subarray(0, 200), CIPHER_KEY(40)]), 1, 6), // refused: broken DER
    ctrl.akcipherSession(3, 2, EC_PRIV, 3, 0),
  ];
  const ids: bigint[] = [];
  for (const r of reqs) {
    const s = await create(f, r);
    if (s.status === S.VIRTIO_CRYPTO_OK) ids.push(s.sessionId);
  }
  return ids;
}

// On each datapath (main thread, queue workers, queue workers polling): with --datapath workers the keys also cross to the queue worker threads, whose logs go to the same stderr.
describe.each(DATAPATHS)('datapath %s', (datapath) => {
  beforeAll(async () => {
    dev = await startDevice(['--metrics-port', '0', '--max-sessions', '16', ...datapathArgs(datapath)], { VCRYPTO_TRACE: 'all', VCRYPTO_LOG_LEVEL: 'debug' });
    const line = await until('the metrics endpoint is logged', () => dev.stderr().split('\n').find((l) => l.includes('Serving metrics')), 15_000);
    metricsUrl = (JSON.parse(line) as { url: string }).url;
  });
  afterAll(async () => {
    await dev.stop();
  });

  describe('key hygiene of the device process', () => {
    it('writes no key bytes to stdout, stderr or metrics, in any encoding, with every tracer on', async () => {
      // Device mode: every session kind, data requests that work and fail, some destroyed, the rest left to the disconnect.
      const f = await connect(dev);
      try {
        const ids = await everySessionKind(f);
        expect(ids.length).toBeGreaterThanOrEqual(8);
        for (const id of ids) {
          await within(f.submit(0, data.cipher(id, true, Buffer.alloc(16, 1), Buffer.alloc(64, 2))), 'cipher');
          await within(f.submit(0, data.mac(id, Buffer.alloc(64, 3), 32)), 'mac');
          await within(f.submit(0, data.akcipher(DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN, id, Buffer.alloc(32, 4), 512)), 'sign');
        }
        for (const id of ids.slice(0, 4)) await within(f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, id), id), 'destroy');
      } finally {
        f.close();
      }
      // Cryptodev mode: sessions as message 26 in every QEMU layout, refused ones too, closes as message 27.
      for (const sessionLayout of ['qemu-2.12-7.0', 'qemu-7.1-8.0', 'qemu-8.1'] as SessionLayout[]) {
        const g = await connect(dev, { mode: 'cryptodev', sessionLayout, memoryBytes: 4 << 20, queueSize: 64 });
        try {
          const ids = await everySessionKind(g);
          expect(ids.length).toBeGreaterThanOrEqual(2);
          await within(g.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, ids[0]!), ids[0]!), 'close');
        } finally {
          g.close();
        }
      }
      // Protocol errors whose payloads are full of key bytes.
      for (const send of [
        (c: RawClient) => c.send(M.VHOST_USER_CREATE_CRYPTO_SESSION, CIPHER_KEY(700)),
        (c: RawClient) => {
          c.send(M.VHOST_USER_SET_PROTOCOL_FEATURES, Buffer.from(new BigUint64Array([1n << BigInt(PF.CRYPTO_SESSION)]).buffer));
          c.send(M.VHOST_USER_CREATE_CRYPTO_SESSION, AUTH_KEY(900));
        },
        (c: RawClient) => c.send(0x5a5a5a5a, AUTH_KEY(64)),
      ]) {
        const c = new RawClient(dev.socket);
        try {
          send(c);
          await until('the device drops the connection', () => c.closedByPeer, 10_000);
        } finally {
          c.close();
        }
      }
      await expectNextServed(dev);
      const metrics = await (await fetch(metricsUrl)).text();
      // The scan is only worth something if the tracers and metrics did write about these sessions.
      expect(dev.stderr()).toMatch(/"msg":"session create".*"algorithm":"aes-cbc"/);
      expect(dev.stderr()).toMatch(/"msg":"message".*"request":"CREATE_CRYPTO_SESSION"/);
      expect(dev.stderr()).toMatch(/"level":"debug"/);
      expect(metrics).toMatch(/^vcrypto_/m);
      await dev.stop();
      const written = [dev.stdout(), dev.stderr(), metrics];
      const texts = [...written, ...written.map((t) => Buffer.from(t, 'latin1').toString('utf8'))];
      const found: string[] = [];
      for (const secret of SECRETS) {
        for (const enc of encodings(secret)) {
          for (const t of texts) if (t.includes(enc)) found.push(`${secret.toString('hex').slice(0, 8)}… as ${JSON.stringify(enc.slice(0, 24))}`);
        }
      }
      expect(found).toEqual([]);
    });

    it('has a scanner that finds a key written in each of those encodings', () => {
      const key = CIPHER_KEY(32);
      const leaks = [key.toString('hex'), key.toString('base64'), Buffer.concat([Buffer.from('x'), key]).toString('base64url'), JSON.stringify(key), JSON.stringify({ key: key.toString('latin1') })];
      for (const leak of leaks) expect(encodings(CIPHER_KEY(12)).some((e) => `{"msg":"oops","v":${leak}}`.includes(e))).toBe(true);
    });

    it('listens on a socket others cannot write to (the agent narrows it to 0660 in a 0770 folder)', async () => {
      const d = await startDevice();
      try {
        expect(statSync(d.socket).mode & 0o002).toBe(0);
      } finally {
        await d.stop();
      }
    });
  });
});
