// SPDX-License-Identifier: Apache-2.0
/**
 * Keys are wiped when a session is destroyed and when a frontend leaves: an in-process device
 * (the real server, connection, device model and software backend, on a real socket) whose
 * backend records every session it creates and destroys. After a frontend that created sessions
 * of every kind disconnects (cleanly or by dropping the socket), every backend session has been
 * destroyed and none of them runs any more (their engines dropped their KeyObjects and zeroed the
 * buffers they owned); a cryptodev session message is zeroed once the session exists.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCryptoBackend, type BackendSession, type CryptoBackend, type CryptoOp } from '../../device-core/src/backends/index.js';
import { CryptoDevice } from '../../device-core/src/crypto/device.js';
import { VIRTIO_CRYPTO_AEAD as AEAD, VIRTIO_CRYPTO_CIPHER as C, VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_MAC as MAC } from '../../device-core/src/spec/virtio-crypto.js';
import { cryptodevSessionPayload } from '../../device-core/src/testing/cryptodev-session.js';
import { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import { ctrl } from '../../device-core/src/testing/request-builder.js';
import { VhostUserServer } from '../../device-core/src/vhost-user/server.js';
import { VhostUserCrypto } from '../../device-core/src/vhu-crypto.js';
import { tempDir, until } from './support.js';

/** The software backend, recording the sessions it hands out and takes back. */
function recording(): { backend: CryptoBackend; created: BackendSession[]; destroyed: Set<BackendSession> } {
  const inner = createCryptoBackend('software');
  const created: BackendSession[] = [];
  const destroyed = new Set<BackendSession>();
  const backend: CryptoBackend = {
    name: 'recording',
    capabilities: () => inner.capabilities(),
    createSession(p) {
      const r = inner.createSession(p);
      if (r.ok) created.push(r.value);
      return r;
    },
    run: (s, op) => inner.run(s, op),
    destroySession(s) {
      destroyed.add(s);
      inner.destroySession(s);
    },
    close: () => inner.close(),
  };
  return { backend, created, destroyed };
}

const KEY = Buffer.alloc(32, 0x5a);
const AUTH = Buffer.alloc(40, 0xa5);

/** An operation of the session's kind, to show a released session no longer runs. */
function opFor(s: BackendSession): CryptoOp {
  switch (s.params.kind) {
    case 'cipher':
      return { kind: 'cipher', direction: 'encrypt', iv: Buffer.alloc(16), src: Buffer.alloc(32) };
    case 'mac':
      return { kind: 'mac', src: Buffer.alloc(32), iv: new Uint8Array(0) };
    case 'aead':
      return { kind: 'aead', direction: 'encrypt', iv: Buffer.alloc(12), src: Buffer.alloc(32), aad: new Uint8Array(0) };
    default:
      return { kind: 'hash', src: Buffer.alloc(32) };
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function serve(): { socket: string; rec: ReturnType<typeof recording> } {
  const rec = recording();
  const dir = tempDir('vcrypto-wipe-');
  const socket = join(dir, 'vhost.sock');
  const device = new CryptoDevice({ backend: rec.backend, maxDataQueues: 1, maxSessions: 64, maxSize: 1 << 20 });
  const server = new VhostUserServer({ socketPath: socket, backend: new VhostUserCrypto({ device, dataQueues: 1 }) });
  server.listen();
  cleanups.push(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { socket, rec };
}

describe('keys wiped on destroy and when the frontend leaves', () => {
  for (const mode of ['device', 'cryptodev'] as const) {
    it(`${mode} mode: every backend session is destroyed and unusable once the frontend leaves`, async () => {
      const { socket, rec } = serve();
      const f = await VhostUserFrontend.connect({ socketPath: socket, mode, sessionLayout: 'qemu-8.1', memoryBytes: 4 << 20, queueSize: 64 });
      const reqs = [
        ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KEY, 1),
        ctrl.chainSession({ order: 2, hashMode: 2, cipherAlgo: C.VIRTIO_CRYPTO_CIPHER_AES_CBC, key: KEY.subarray(0, 16), op: 1, authAlgo: MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, resultLen: 32, authKey: AUTH, aadLen: 0 }),
        ...(mode === 'device' ? [ctrl.macSession(MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, 32, AUTH), ctrl.aeadSession(AEAD.VIRTIO_CRYPTO_AEAD_GCM, KEY, 16, 0, 1)] : []),
      ];
      const ids: bigint[] = [];
      for (const r of reqs) ids.push((await f.createSession(r)).sessionId);
      const first = rec.created.length;
      expect(first).toBe(mode === 'device' ? 5 : 3);
      // Destroy one: its backend sessions go at once.
      await f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, ids[0]!), ids[0]!);
      expect(rec.destroyed.has(rec.created[0]!)).toBe(true);
      // Leave: the rest go too.
      f.close();
      await until('every backend session is destroyed', () => rec.destroyed.size === rec.created.length, 10_000);
      for (const s of rec.created) expect(rec.backend.run(s, opFor(s)).ok).toBe(false);
    });
  }

  it('zeroes a cryptodev session message (the keys in it) once the session is created', () => {
    const { backend } = recording();
    const device = new CryptoDevice({ backend, maxDataQueues: 1, maxSessions: 4, maxSize: 1 << 20 });
    const vhu = new VhostUserCrypto({ device, dataQueues: 1 });
    const [h, key] = ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KEY, 1).readable;
    for (const layout of ['qemu-2.12-7.0', 'qemu-7.1-8.0', 'qemu-8.1'] as const) {
      const payload = cryptodevSessionPayload(layout, h!, key!, new Uint8Array(0))!;
      expect(payload.includes(KEY)).toBe(true);
      const reply = vhu.createCryptoSession(payload)!;
      expect(payload.every((b) => b === 0)).toBe(true);
      expect(Buffer.from(reply).includes(KEY.subarray(0, 8))).toBe(false);
    }
  });
});
