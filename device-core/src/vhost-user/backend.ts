// SPDX-License-Identifier: Apache-2.0
/**
 * The small interface a device implements to be served over vhost-user (after rust-vmm's
 * VhostUserBackend): what it offers, what it does with one descriptor chain, and its optional
 * device messages. The protocol layer owns features, memory, rings and notifications.
 */
import type { Chain } from '../virtqueue/split-queue.js';
import type { RemoteRings } from './remote-rings.js';

export interface VhostUserBackend {
  /** Queues the frontend may set up (device mode: data queues plus the control queue). */
  readonly numQueues: number;
  /** The largest ring SET_VRING_NUM may set (a power of two); undefined: the split ring's 32768. */
  readonly maxQueueSize?: number | undefined;
  /** Device-specific virtio feature bits offered in GET_FEATURES (transport bits are added). */
  readonly deviceFeatures: bigint;
  /** Extra protocol features this device supports (e.g. CRYPTO_SESSION, CONFIG). */
  readonly protocolFeatures: bigint;
  /** The device config space for GET_CONFIG, or undefined when the device has none to serve. */
  config(): Uint8Array | undefined;
  /** The features the frontend acked in SET_FEATURES. */
  setFeatures(acked: bigint): void;
  /** Handles one chain popped from queue `queueIndex`; returns the used length. Never throws on guest input. */
  handleChain(queueIndex: number, chain: Chain): number;
  /** CREATE_CRYPTO_SESSION (26): returns the reply payload, the request's exact size. */
  createCryptoSession?(payload: Uint8Array): Uint8Array | undefined;
  /** CLOSE_CRYPTO_SESSION (27): returns true when the session existed. */
  closeCryptoSession?(sessionId: bigint): boolean;
  /** The frontend is gone or reset the device: drop all device state (sessions, keys). */
  reset(): void;
  /** Rings run on worker threads (ring-worker-pool.ts); undefined: every ring runs on the connection's thread. */
  readonly remoteRings?: RemoteRings | undefined;
  /** Chains waiting in queue `queueIndex` when a drain of it starts (for the virtqueue depth metric). */
  onQueueDepth?(queueIndex: number, depth: number): void;
}
