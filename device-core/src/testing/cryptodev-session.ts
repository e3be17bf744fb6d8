// SPDX-License-Identifier: Apache-2.0
/**
 * Builds VHOST_USER_CREATE_CRYPTO_SESSION payloads the way each QEMU version does, from a
 * control-queue session request (QEMU parses the guest's control queue and forwards symmetric
 * and, since 8.1, RSA sessions). Used by the project's frontend in cryptodev mode.
 */
import { VIRTIO_CRYPTO_CTRL_OP as CTRL } from '../spec/virtio-crypto.js';
import type { SessionLayout } from '../vhu-crypto.js';

export type { SessionLayout };

const u32 = (b: Uint8Array, o: number): number => Buffer.from(b.buffer, b.byteOffset, b.length).readUInt32LE(o);

/** The payload, or undefined when this QEMU would refuse the session itself (NOTSUPP to the guest). */
export function cryptodevSessionPayload(layout: SessionLayout, ctrlHeader: Uint8Array, key: Uint8Array, authKey: Uint8Array): Buffer | undefined {
  const opcode = u32(ctrlHeader, 0);
  if (opcode === CTRL.VIRTIO_CRYPTO_AKCIPHER_CREATE_SESSION) {
    if (layout !== 'qemu-8.1' || key.length > 1024) return undefined;
    const p = Buffer.alloc(1072);
    p.writeBigUInt64LE(BigInt(opcode), 0);
    p.writeUInt32LE(u32(ctrlHeader, 16), 8); // algo
    p.writeUInt32LE(u32(ctrlHeader, 20), 12); // key type
    p.writeUInt32LE(key.length, 16);
    p.writeUInt32LE(u32(ctrlHeader, 28), 32); // rsa padding
    p.writeUInt32LE(u32(ctrlHeader, 32), 36); // rsa hash
    p.set(key, 40);
    return p;
  }
  if (opcode !== CTRL.VIRTIO_CRYPTO_CIPHER_CREATE_SESSION || key.length > 64 || authKey.length > 512) return undefined;
  const opType = u32(ctrlHeader, 64);
  const chain = opType === 2;
  const c = chain ? 24 : 16;
  const p = Buffer.alloc(layout === 'qemu-8.1' ? 1072 : 632);
  const b = layout === 'qemu-2.12-7.0' ? 12 : 8;
  if (layout === 'qemu-2.12-7.0') p.writeUInt32LE(opcode, 8);
  if (layout === 'qemu-8.1') p.writeBigUInt64LE(BigInt(opcode), 0);
  p.writeUInt32LE(u32(ctrlHeader, c), b); // cipher algo
  p.writeUInt32LE(key.length, b + 4);
  p.writeUInt32LE(chain ? u32(ctrlHeader, 40) : 0, b + 8); // hash/mac algo
  p.writeUInt32LE(chain ? u32(ctrlHeader, 44) : 0, b + 12); // hash result len
  p.writeUInt32LE(authKey.length, b + 16);
  p.writeUInt32LE(chain ? u32(ctrlHeader, 56) : 0, b + 20); // aad len
  p[b + 24] = opType;
  p[b + 25] = u32(ctrlHeader, c + 8); // direction
  p[b + 26] = chain ? u32(ctrlHeader, 20) : 0; // hash mode
  p[b + 27] = chain ? u32(ctrlHeader, 16) : 0; // chain order
  p.set(key, 56);
  p.set(authKey, 120);
  return p;
}

export function sessionIdOffset(layout: SessionLayout): number {
  return layout === 'qemu-8.1' ? 1064 : 0;
}
