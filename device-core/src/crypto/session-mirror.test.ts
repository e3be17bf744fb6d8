// SPDX-License-Identifier: Apache-2.0
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../backends/software/index.js';
import { VIRTIO_CRYPTO_CIPHER as C, VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_MAC as MAC, VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import { ctrl, data, layOut, response, sessionInput, type LogicalRequest } from '../testing/request-builder.js';
import { CryptoDevice } from './device.js';
import type { MirrorPost } from './session-mirror.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const AUTH = Buffer.alloc(32, 0x5a);
const IV = Buffer.alloc(16, 7);
const PLAIN = Buffer.alloc(32, 0x41);

/** An owner device whose mirror posts are applied to a copy, as the queue workers do. */
function ownerAndCopy(): { owner: CryptoDevice; copy: CryptoDevice; posts: MirrorPost[] } {
  const copy = new CryptoDevice({ backend: new SoftwareBackend(), maxDataQueues: 1, maxSessions: 1, maxSize: 1 << 20 });
  const posts: MirrorPost[] = [];
  const owner = new CryptoDevice({
    backend: new SoftwareBackend(),
    maxDataQueues: 1,
    maxSessions: 8,
    maxSize: 1 << 20,
    mirror: (build) => {
      const p = build();
      posts.push(p);
      // structured cloning keeps the object; the receiver is handed the same buffers
      copy.applyMirror(p.message);
    },
  });
  return { owner, copy, posts };
}

const create = (d: CryptoDevice, req: LogicalRequest): { sessionId: bigint; status: number } => {
  const seg = layOut(req, 'per-field');
  d.handleControlRequest(seg);
  return sessionInput(seg);
};
const run = (d: CryptoDevice, req: LogicalRequest): { status: number; out: Buffer } => {
  const seg = layOut(req, 'per-field');
  d.handleDataRequest(seg);
  const r = response(seg);
  return { status: r.status, out: Buffer.from(r.out) };
};

describe('the session mirror', () => {
  it('gives the copy the owner sessions under the owner ids, with their keys in fresh buffers it wipes', () => {
    const { owner, copy, posts } = ownerAndCopy();
    const s = create(owner, ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KEY, 1));
    const chain = create(owner, ctrl.chainSession({ order: 2, hashMode: 2, cipherAlgo: C.VIRTIO_CRYPTO_CIPHER_AES_CBC, key: KEY, op: 1, authAlgo: MAC.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, resultLen: 32, authKey: AUTH, aadLen: 0 }));
    expect([s.status, chain.status]).toEqual([S.VIRTIO_CRYPTO_OK, S.VIRTIO_CRYPTO_OK]);
    const created = posts.filter((p) => p.message.k === 'session-created');
    expect(created.map((p) => (p.message as { id: bigint }).id)).toEqual([s.sessionId, chain.sessionId]);
    // One buffer per key (cipher; cipher + auth), every one zeroed once the copy holds its session.
    expect(created.map((p) => p.transfer.length)).toEqual([1, 2]);
    for (const b of created.flatMap((p) => p.transfer)) expect(new Uint8Array(b).every((x) => x === 0)).toBe(true);
    const c = createCipheriv('aes-128-cbc', KEY, IV).setAutoPadding(false);
    const want = Buffer.concat([c.update(PLAIN), c.final()]);
    const r = run(copy, data.cipher(s.sessionId, true, IV, PLAIN));
    expect(r.status).toBe(S.VIRTIO_CRYPTO_OK);
    expect(r.out.subarray(0, PLAIN.length).equals(want)).toBe(true);
  });

  it('destroys in the copy what the owner destroys, clears it on reset, and passes acked features', () => {
    const { owner, copy, posts } = ownerAndCopy();
    const a = create(owner, ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KEY, 1)).sessionId;
    const b = create(owner, ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KEY, 1)).sessionId;
    const seg = layOut(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, a), 'per-field');
    owner.handleControlRequest(seg);
    expect(run(copy, data.cipher(a, true, IV, PLAIN)).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
    expect(run(copy, data.cipher(b, true, IV, PLAIN)).status).toBe(S.VIRTIO_CRYPTO_OK);
    owner.reset();
    expect(run(copy, data.cipher(b, true, IV, PLAIN)).status).toBe(S.VIRTIO_CRYPTO_INVSESS);
    owner.setDriverFeatures(1n);
    expect(posts.map((p) => p.message.k)).toEqual(['session-created', 'session-created', 'session-destroyed', 'sessions-cleared', 'features']);
  });

  it('posts nothing for a refused session', () => {
    const { owner, posts } = ownerAndCopy();
    expect(create(owner, ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, Buffer.alloc(7), 1)).status).not.toBe(S.VIRTIO_CRYPTO_OK);
    expect(posts).toEqual([]);
  });
});
