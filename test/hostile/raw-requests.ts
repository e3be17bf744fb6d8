// SPDX-License-Identifier: Apache-2.0
/**
 * Valid requests written by hand into a frontend's guest memory and data queue 0 (RawRing), for
 * the hostile cases that then break one descriptor, and for the regression cases that need
 * exact control over ring slots and descriptor indices. Knows no test case.
 */
import { expect } from 'vitest';
import { VIRTIO_CRYPTO_CIPHER as C, VIRTIO_CRYPTO_STATUS as S } from '../../device-core/src/spec/virtio-crypto.js';
import { VIRTQ_DESC_F_NEXT as NEXT, VIRTQ_DESC_F_WRITE as WRITE } from '../../device-core/src/spec/virtio.js';
import type { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import type { RawRing } from '../../device-core/src/testing/raw-ring.js';
import { ctrl, data } from '../../device-core/src/testing/request-builder.js';
import { KAT, SMALL_FRONTEND, within } from './support.js';

/** Descriptor indices the raw cases use by default: far from the ones DriverRing.add() hands out first. */
export const D = SMALL_FRONTEND.queueSize - 8;

export interface Placed {
  readonly header: number;
  readonly iv: number;
  readonly src: number;
  readonly dst: number;
  readonly status: number;
}

/** A valid AES-CBC encryption request's buffers in guest memory (status byte preset to 0xff). */
export function placeRequest(r: RawRing, sessionId: bigint): Placed {
  const req = data.cipher(sessionId, true, KAT.iv, KAT.plaintext);
  const [h, iv, src] = req.readable;
  return {
    header: r.place(h!),
    iv: r.place(iv!),
    src: r.place(src!),
    dst: r.place(new Uint8Array(KAT.plaintext.length)),
    status: r.place(Uint8Array.of(0xff)),
  };
}

export async function session(f: VhostUserFrontend): Promise<bigint> {
  const s = await within(f.createSession(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1)), 'session');
  expect(s.status).toBe(S.VIRTIO_CRYPTO_OK);
  return s.sessionId;
}

/** Publishes head on data queue 0, kicks, and returns the used length the device gives back. */
export async function runHead(f: VhostUserFrontend, r: RawRing, head: number, usedHead = head): Promise<number> {
  const used = f.awaitUsed(0, usedHead);
  r.publish(head);
  f.kick(0);
  return within(used, `chain at head ${head}`);
}

/** Writes the valid request as a direct chain at descriptors at.., with any descriptor replaced; returns the head. */
export function chainWith(r: RawRing, p: Placed, replace: Partial<Record<number, { addr: number | bigint; len: number; flags?: number }>> = {}, at = D): number {
  const descs = [
    { addr: p.header, len: 72, flags: 0 },
    { addr: p.iv, len: 16, flags: 0 },
    { addr: p.src, len: KAT.plaintext.length, flags: 0 },
    { addr: p.dst, len: KAT.plaintext.length, flags: WRITE },
    { addr: p.status, len: 1, flags: WRITE },
  ];
  descs.forEach((d, i) => {
    const x = replace[i] ?? d;
    const last = i === descs.length - 1;
    r.writeDesc(at + i, { addr: x.addr, len: x.len, flags: (x.flags ?? d.flags) | (last ? 0 : NEXT), next: at + i + 1 });
  });
  return at;
}

