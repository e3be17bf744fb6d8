// SPDX-License-Identifier: Apache-2.0
/**
 * One vring of a vhost-user connection: its size, addresses, base, kick/call/err fds, and the
 * running SplitQueue once it can start. A ring starts when it has memory, addresses and a kick
 * fd (QEMU never sends SET_VRING_ENABLE for crypto, so a started ring counts as enabled); on each
 * kick it drains the available chains through the backend, publishing the used elements during
 * long drains (PUBLISH_EVERY, PUBLISH_BYTES) and at the end, and signals the call fd only when
 * the driver asks for it (at most once per publication). With `pollUs`, a drain that handled
 * chains publishes them and then watches the avail index for up to that long before it waits
 * for a kick (POLLING below). A ring the backend runs on a worker
 * thread (RemoteRings) keeps its state here and is started, stopped and re-pointed there
 * instead: the drain loop then runs in the worker, on a Vring of its own. Knows nothing of crypto.
 */
import { closeFds, eventfdRead, eventfdWrite, watchFd, type FdWatch } from '../os/index.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { availRingBytes, usedRingBytes, VIRTQ_DESC_SIZE } from '../spec/virtio.js';
import { RingError, SplitQueue } from '../virtqueue/split-queue.js';
import type { Tracer } from '../util/trace.js';
import type { VhostUserBackend } from './backend.js';
import type { RemoteRings } from './remote-rings.js';

/** Chains handled per event-loop turn before yielding, so one busy ring cannot starve the rest. */
export const MAX_BATCH = 256;

/**
 * Within a drain, used elements are published (and the driver signalled, if it asks) once at
 * least PUBLISH_EVERY chains carrying PUBLISH_BYTES of device-readable bytes were handled since
 * the last publication, not only at the end: the driver can reap and resubmit while the device
 * keeps popping, so the two sides overlap instead of taking turns. The byte floor keeps small
 * requests to one signal per drain, where a signal costs more than the overlap saves
 * (docs/performance.md).
 */
export const PUBLISH_EVERY = 16;
export const PUBLISH_BYTES = 64 * 1024;

/**
 * POLLING: on this kind of machine a kick that wakes a sleeping device, and a call that wakes a
 * sleeping driver, each cost tens of microseconds of latency (docs/performance.md). When the
 * driver resubmits within `pollUs` of the device running dry, the device sees the entry without
 * being woken and the driver never kicks (avail_event stays behind meanwhile). The spin is
 * bounded by the poll time, happens only after a drain that did work, and ends the turn after
 * MAX_BATCH chains like any drain, so an idle ring costs nothing and other rings and messages
 * still get their turn.
 */
export const MAX_POLL_US = 1000;

function readableBytes(views: readonly Uint8Array[]): number {
  let n = 0;
  for (const v of views) n += v.length;
  return n;
}

export class Vring {
  num = 0;
  base = 0;
  descAddr = -1;
  usedAddr = -1;
  availAddr = -1;
  kickFd = -1;
  callFd = -1;
  errFd = -1;
  enabled = true;
  queue: SplitQueue | undefined;
  private watch: FdWatch | undefined;
  private scheduled = false;
  /** Running on the remote thread (RemoteRings.startRing succeeded and no stop since). */
  private remoteStarted = false;

  constructor(
    readonly index: number,
    private readonly backend: VhostUserBackend,
    private readonly tracer: Tracer,
    /** Called when the ring itself is broken (a protocol-level failure): drops the connection. */
    private readonly onBroken: (e: Error) => void,
    private readonly o: {
      /**
       * Called before each chain is popped: a ring worker applies what the main thread posted
       * (a session created for the very chain it is about to pop). One atomic load when nothing waits.
       */
      readonly beforePop?: () => void;
      /** Where this ring runs when not here. */
      readonly remote?: RemoteRings;
      /** Microseconds to watch for the next chain after a drain runs dry (POLLING); 0 or absent: none. */
      readonly pollUs?: number;
      /** The milliseconds clock that bounds the poll (tests drive it); default performance.now. */
      readonly now?: () => number;
    } = {},
  ) {
    this.pollMs = Math.min(Math.max(o.pollUs ?? 0, 0), MAX_POLL_US) / 1000;
    this.now = o.now ?? (() => performance.now());
  }

  private readonly pollMs: number;
  private readonly now: () => number;

  get started(): boolean {
    return this.queue !== undefined || this.remoteStarted;
  }

  private get remote(): RemoteRings | undefined {
    return this.o.remote?.runsRing(this.index) === true ? this.o.remote : undefined;
  }

  /** Starts the ring when everything it needs is known. Returns false when something is missing or invalid. */
  tryStart(memory: GuestMemory, eventIdx: boolean): boolean {
    if (this.started || this.kickFd < 0 || this.num === 0 || this.descAddr < 0) return false;
    const desc = memory.translateUserspace(this.descAddr, this.num * VIRTQ_DESC_SIZE);
    const avail = memory.translateUserspace(this.availAddr, availRingBytes(this.num));
    const used = memory.translateUserspace(this.usedAddr, usedRingBytes(this.num));
    if (desc === null || avail === null || used === null) {
      this.onBroken(new RingError(`vring ${this.index} addresses are outside the memory table`));
      return false;
    }
    const remote = this.remote;
    if (remote !== undefined) {
      try {
        remote.startRing({ index: this.index, size: this.num, descAddr: this.descAddr, availAddr: this.availAddr, usedAddr: this.usedAddr, base: this.base, eventIdx, enabled: this.enabled, kickFd: this.kickFd, callFd: this.callFd });
      } catch (e: unknown) {
        this.onBroken(e instanceof Error ? e : new RingError(String(e)));
        return false;
      }
      this.remoteStarted = true;
      if (this.tracer.enabled('virtqueue')) this.tracer.trace('virtqueue', 'vring started on a worker thread', { index: this.index, size: this.num, base: this.base });
      return true;
    }
    this.queue = new SplitQueue({ memory, size: this.num, desc, avail, used, eventIdx, nextAvail: this.base });
    this.watch = watchFd(this.kickFd, () => this.onKick());
    if (this.tracer.enabled('virtqueue')) this.tracer.trace('virtqueue', 'vring started', { index: this.index, size: this.num, base: this.base });
    // The driver may have queued requests before the kick fd arrived.
    this.schedule();
    return true;
  }

  private onKick(): void {
    eventfdRead(this.kickFd);
    this.drain();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Pops, handles and completes available chains; one call-fd signal per batch. */
  drain(): void {
    if (this.remoteStarted) return;
    const q = this.queue;
    if (q === undefined || !this.enabled) return;
    let handled = 0;
    let sincePublish = 0;
    let bytesSincePublish = 0;
    try {
      this.backend.onQueueDepth?.(this.index, q.pending());
      for (;;) {
        this.o.beforePop?.();
        const r = q.pop();
        if (r === null) {
          if (handled === 0 || this.pollMs === 0) break;
          const more = this.poll(q);
          sincePublish = 0;
          bytesSincePublish = 0;
          if (more) continue;
          break;
        }
        if (r.kind === 'bad') {
          if (this.tracer.enabled('virtqueue')) this.tracer.trace('virtqueue', 'bad descriptor chain', { index: this.index, head: r.bad.head, reason: r.bad.reason });
          q.pushUsed(r.bad.head, 0);
        } else {
          bytesSincePublish += readableBytes(r.chain.readable);
          q.pushUsed(r.chain.head, this.backend.handleChain(this.index, r.chain));
        }
        if (++handled === MAX_BATCH) {
          this.schedule();
          break;
        }
        if (++sincePublish >= PUBLISH_EVERY && bytesSincePublish >= PUBLISH_BYTES) {
          if (q.flushUsed(false) && this.callFd >= 0) eventfdWrite(this.callFd, 1);
          sincePublish = 0;
          bytesSincePublish = 0;
        }
      }
      if (q.flushUsed() && this.callFd >= 0) eventfdWrite(this.callFd, 1);
      // Entries may have arrived after the last pop and before avail_event was published.
      if (handled < MAX_BATCH && q.pending() > 0) this.schedule();
    } catch (e: unknown) {
      this.onBroken(e instanceof Error ? e : new RingError(String(e)));
    }
  }

  /** Publishes what is done (signalling when the driver asks), then watches for the next chain (POLLING); true when one came. */
  private poll(q: SplitQueue): boolean {
    if (q.flushUsed(true, false) && this.callFd >= 0) eventfdWrite(this.callFd, 1);
    const until = this.now() + this.pollMs;
    while (q.pending() === 0) {
      if (this.now() >= until) return false;
    }
    return true;
  }

  /** Stops processing (GET_VRING_BASE); returns the next avail index. */
  stop(): number {
    if (this.remoteStarted) {
      this.remoteStarted = false;
      const next = this.remote?.stopRing(this.index) ?? -1;
      if (next >= 0) this.base = next;
      return this.base;
    }
    this.watch?.stop();
    this.watch = undefined;
    const next = this.queue?.nextAvail ?? this.base;
    this.queue = undefined;
    this.base = next;
    return next;
  }

  setKick(fd: number): void {
    this.stop();
    this.replace('kickFd', fd);
  }

  replace(which: 'kickFd' | 'callFd' | 'errFd', fd: number): void {
    const old = this[which];
    this[which] = fd;
    try {
      // The worker must be done with the old call fd before it is closed (its number may be reused).
      if (which === 'callFd' && this.remoteStarted) this.remote?.setCallFd(this.index, fd);
    } finally {
      if (old >= 0 && old !== fd) closeFds([old]);
    }
  }

  /** SET_VRING_ENABLE. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (this.remoteStarted) this.remote?.setRingEnabled(this.index, enabled);
    else if (enabled) this.drain();
  }

  close(): void {
    this.stop();
    closeFds([this.kickFd, this.callFd, this.errFd].filter((fd) => fd >= 0));
    this.kickFd = this.callFd = this.errFd = -1;
  }
}
