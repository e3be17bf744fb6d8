// SPDX-License-Identifier: Apache-2.0
/**
 * What a connection needs of rings that run on another thread: the memory table mirrored there,
 * and start, stop, call-fd and enable per ring, each done before the call returns (the frontend
 * may close an fd or reuse memory as soon as we reply). Implemented by ring-worker-pool.ts; the
 * connection and its vrings use only this interface. Knows nothing of crypto.
 */

/** One ring as the thread that runs it needs it: sizes, frontend addresses, base and fds. */
export interface RingSpec {
  readonly index: number;
  readonly size: number;
  readonly descAddr: number;
  readonly availAddr: number;
  readonly usedAddr: number;
  readonly base: number;
  readonly eventIdx: boolean;
  /** SET_VRING_ENABLE's last word (rings count as enabled until one comes). */
  readonly enabled: boolean;
  readonly kickFd: number;
  readonly callFd: number;
}

/** A memory region as the other thread maps it: from the same fd, at the same offset. */
export interface RegionSpec {
  readonly id: number;
  readonly fd: number;
  readonly mmapOffset: number;
  readonly guestPhysAddr: number;
  readonly sizeBytes: number;
  readonly userspaceAddr: number;
}

export interface RemoteRings {
  /** Whether ring `index` runs on another thread (else on the connection's own). */
  runsRing(index: number): boolean;
  /** Maps a region wherever rings run; throws when it cannot, and then nothing is mapped. */
  mapRegion(r: RegionSpec): void;
  unmapRegion(id: number): void;
  startRing(spec: RingSpec): void;
  /** Stops the ring (the kick fd is no longer watched) and returns its next avail index. */
  stopRing(index: number): number;
  /** From now on the ring signals `fd` (-1: none); the old fd is no longer used on return. */
  setCallFd(index: number, fd: number): void;
  setRingEnabled(index: number, enabled: boolean): void;
  /** Where a ring that broke on the other thread reports (the connection drops the frontend). */
  onRingBroken(listener: ((index: number, message: string) => void) | undefined): void;
}
