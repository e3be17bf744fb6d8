// SPDX-License-Identifier: Apache-2.0
/**
 * The one adapter between vhost-user/ and crypto/: serves a CryptoDevice as a VhostUserBackend.
 * Queue layout: data queues 0..N-1, the control queue at N (spec "Virtqueues"); in cryptodev
 * mode QEMU only ever sets up data queue 0 and sends sessions as messages 26/27, in one of three
 * payload layouts told apart here by size and content (reference virtio-crypto-protocol.md §4.3).
 */
import type { CryptoDevice } from './crypto/device.js';
import { akcipherSessionRequest, symSessionRequest } from './crypto/session-request.js';
import { VHOST_USER_CRYPTO_SESSION_LEGACY_SIZE, VHOST_USER_CRYPTO_SESSION_SIZE, VHOST_USER_PROTOCOL_F as PF } from './spec/vhost-user.js';
import { VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_STATUS as S } from './spec/virtio-crypto.js';
import type { Chain } from './virtqueue/split-queue.js';
import type { VhostUserBackend } from './vhost-user/backend.js';
import type { RemoteRings } from './vhost-user/remote-rings.js';

export type SessionLayout = 'qemu-2.12-7.0' | 'qemu-7.1-8.0' | 'qemu-8.1';

/** Offsets of the symmetric session fields in each layout. */
interface SymLayout {
  cipherAlg: number;
  sessionId: number;
  key: number;
  authKey: number;
}
const SYM_LAYOUTS: Record<SessionLayout, SymLayout> = {
  'qemu-2.12-7.0': { cipherAlg: 12, sessionId: 0, key: 56, authKey: 120 },
  'qemu-7.1-8.0': { cipherAlg: 8, sessionId: 0, key: 56, authKey: 120 },
  'qemu-8.1': { cipherAlg: 8, sessionId: 1064, key: 56, authKey: 120 },
};

const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Which QEMU wrote this CREATE_CRYPTO_SESSION payload, or undefined. */
export function sessionLayoutOf(p: Uint8Array): SessionLayout | undefined {
  if (p.length === VHOST_USER_CRYPTO_SESSION_SIZE) return 'qemu-8.1';
  if (p.length !== VHOST_USER_CRYPTO_SESSION_LEGACY_SIZE) return undefined;
  // Layout A carries op_code (0x0002) at 8 and a cipher algorithm (<= 14) at 12; layout B has
  // the cipher algorithm at 8 and the key length at 12.
  const at12 = u32(p, 12);
  return u32(p, 8) === CTRL.VIRTIO_CRYPTO_CIPHER_CREATE_SESSION && at12 > 0 && at12 <= 14 ? 'qemu-2.12-7.0' : 'qemu-7.1-8.0';
}

export interface VhostUserCryptoOptions {
  readonly device: CryptoDevice;
  readonly dataQueues: number;
  /** The largest ring a frontend may set up (SET_VRING_NUM); default the split ring's 32768. */
  readonly maxQueueSize?: number;
  /** Told how many chains wait in a queue each time the device drains it. */
  readonly queueStats?: { onQueueDepth(queueIndex: number, depth: number): void };
  /** Where the data queues run when not on the connection's thread (the device then mirrors its sessions there). */
  readonly remoteRings?: RemoteRings;
}

export class VhostUserCrypto implements VhostUserBackend {
  readonly numQueues: number;
  readonly maxQueueSize: number | undefined;
  readonly deviceFeatures: bigint;
  readonly remoteRings: RemoteRings | undefined;
  readonly protocolFeatures = (1n << BigInt(PF.CRYPTO_SESSION)) | (1n << BigInt(PF.CONFIG));
  private readonly device: CryptoDevice;
  private readonly dataQueues: number;
  private readonly queueStats: VhostUserCryptoOptions['queueStats'];

  constructor(o: VhostUserCryptoOptions) {
    this.device = o.device;
    this.dataQueues = o.dataQueues;
    this.queueStats = o.queueStats;
    this.numQueues = o.dataQueues + 1;
    this.maxQueueSize = o.maxQueueSize;
    this.remoteRings = o.remoteRings;
    this.deviceFeatures = o.device.deviceFeatures;
  }

  config(): Uint8Array {
    return this.device.config();
  }

  setFeatures(acked: bigint): void {
    this.device.setDriverFeatures(acked & 0xffffffn);
  }

  handleChain(queueIndex: number, chain: Chain): number {
    return queueIndex === this.dataQueues ? this.device.handleControlRequest(chain) : this.device.handleDataRequest(chain);
  }

  createCryptoSession(payload: Uint8Array): Uint8Array | undefined {
    const layout = sessionLayoutOf(payload);
    if (layout === undefined) return undefined;
    const reply = Buffer.from(payload);
    const L = SYM_LAYOUTS[layout];
    let id: bigint;
    if (layout === 'qemu-8.1' && u32(payload, 0) === CTRL.VIRTIO_CRYPTO_AKCIPHER_CREATE_SESSION) {
      const keyLen = Math.min(u32(payload, 16), 1024);
      const req = akcipherSessionRequest(u32(payload, 8), u32(payload, 12), u32(payload, 32), u32(payload, 36), payload.subarray(40, 40 + keyLen));
      id = req.ok ? this.created(this.device.createSession(req.value)) : this.refused(req.error.status);
      reply.fill(0, 40, 40 + 1024);
    } else {
      const b = L.cipherAlg;
      const keyLen = u32(payload, b + 4);
      const authKeyLen = u32(payload, b + 16);
      if (keyLen > 64 || authKeyLen > 512) {
        id = this.refused(S.VIRTIO_CRYPTO_ERR);
      } else {
        const fields = {
          cipherAlgo: u32(payload, b),
          hashResultLen: u32(payload, b + 12),
          authAlgo: u32(payload, b + 8),
          aadLen: u32(payload, b + 20),
          opType: payload[b + 24]!,
          cipherOp: payload[b + 25]!,
          hashMode: payload[b + 26]!,
          chainOrder: payload[b + 27]!,
        };
        const req = symSessionRequest(fields, payload.subarray(L.key, L.key + keyLen), payload.subarray(L.authKey, L.authKey + authKeyLen));
        id = req.ok ? this.created(this.device.createSession(req.value)) : this.refused(req.error.status);
      }
      reply.fill(0, L.key, L.authKey + 512);
    }
    reply.writeBigInt64LE(id, L.sessionId);
    // Keys live on only inside the backend session: wipe our copy of the request.
    payload.fill(0);
    return reply;
  }

  private refused(status: number): bigint {
    this.device.sessionRefused();
    return -BigInt(status);
  }

  private created(r: { status: number; sessionId: bigint }): bigint {
    return r.status === S.VIRTIO_CRYPTO_OK ? r.sessionId : -BigInt(r.status);
  }

  closeCryptoSession(sessionId: bigint): boolean {
    return this.device.destroySession(sessionId) === S.VIRTIO_CRYPTO_OK;
  }

  reset(): void {
    this.device.reset();
  }

  onQueueDepth(queueIndex: number, depth: number): void {
    this.queueStats?.onQueueDepth(queueIndex, depth);
  }
}
