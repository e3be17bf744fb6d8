// SPDX-License-Identifier: Apache-2.0
/**
 * One vhost-user frontend connection: reads messages from the socket (with their fds), runs
 * them through the dispatch table, sends replies, and owns everything the frontend gave us —
 * memory mappings, vrings and their fds — until it leaves. A protocol violation closes the
 * connection and releases all of it (libvhost-user's vu_panic); the server then accepts the
 * next frontend. When the backend runs rings on worker threads (backend.remoteRings), each
 * region's fd stays open for as long as the region is mapped, so the workers map the same
 * memory; a ring that breaks there drops the frontend as one that breaks here does. Knows
 * nothing of crypto.
 */
import { closeFds, receiveMessage, sendMessage, watchFd, type FdWatch, type Mapping } from '../os/index.js';
import { GuestMemory, type MemoryRegion } from '../memory/guest-memory.js';
import { VHOST_USER_PROTOCOL_F as PF } from '../spec/vhost-user.js';
import { VIRTIO_RING_F_EVENT_IDX_BIT } from '../spec/virtio.js';
import { getErrorMessage } from '../util/errors.js';
import type { Tracer } from '../util/trace.js';
import type { VhostUserBackend } from './backend.js';
import { encodeReply, MessageReader } from './codec.js';
import { dispatch, messageName } from './dispatch.js';
import { VhostUserProtocolError } from './errors.js';
import type { ConnectionState } from './state.js';
import { Vring } from './vring.js';

const RECV_BYTES = 8192;
const MAX_FDS_PER_RECV = 16;

export type CloseReason = { readonly kind: 'peer-closed' } | { readonly kind: 'protocol-error'; readonly error: Error } | { readonly kind: 'shutdown' };

export class Connection implements ConnectionState {
  ackedFeatures = 0n;
  protocolFeatures = 0n;
  readonly memory = new GuestMemory();
  /** Each mapped region: its mapping, the fd kept for ring workers (-1: closed) and its id there. */
  private readonly mappings = new Map<MemoryRegion, { mapping: Mapping; fd: number; id: number }>();
  private nextRegionId = 1;
  readonly vrings: Vring[];
  private readonly reader = new MessageReader();
  private readonly recvBuf = new Uint8Array(RECV_BYTES);
  private watch: FdWatch | undefined;
  private closed = false;

  constructor(
    private readonly fd: number,
    readonly backend: VhostUserBackend,
    private readonly tracer: Tracer,
    private readonly onClose: (reason: CloseReason) => void,
    /** Microseconds each ring run here watches for more after a drain (Vring POLLING). */
    pollUs = 0,
  ) {
    const remote = backend.remoteRings;
    this.vrings = Array.from({ length: backend.numQueues }, (_, i) => new Vring(i, backend, tracer, (e) => this.fail(e), remote === undefined ? { pollUs } : { remote, pollUs }));
    remote?.onRingBroken((index, message) => this.fail(new VhostUserProtocolError(index < 0 ? `ring worker: ${message}` : `vring ${index} (on a worker thread): ${message}`)));
  }

  start(): void {
    this.watch = watchFd(this.fd, () => this.onReadable());
  }

  private onReadable(): void {
    while (!this.closed) {
      let r;
      try {
        r = receiveMessage(this.fd, this.recvBuf, MAX_FDS_PER_RECV);
      } catch (e: unknown) {
        this.close({ kind: 'protocol-error', error: new VhostUserProtocolError(`socket read failed: ${getErrorMessage(e)}`, { cause: e }) });
        return;
      }
      if (r === null) return;
      if (r.bytes === 0) {
        closeFds(r.fds);
        this.close({ kind: 'peer-closed' });
        return;
      }
      if (r.droppedFds > 0) {
        closeFds(r.fds);
        this.fail(new VhostUserProtocolError(`frontend sent more than ${MAX_FDS_PER_RECV} fds at once`));
        return;
      }
      try {
        let messages;
        try {
          messages = this.reader.push(this.recvBuf.subarray(0, r.bytes), r.fds);
        } finally {
          // The reader copied them; session keys (message 26) are not left in the receive buffer.
          this.recvBuf.fill(0, 0, r.bytes);
        }
        let i = 0;
        try {
          for (; i < messages.length; i++) {
            const m = messages[i]!;
            if (this.closed) {
              closeFds(m.fds);
              continue;
            }
            if (this.tracer.enabled('vhost-user')) this.tracer.trace('vhost-user', 'message', { request: messageName(m.request), size: m.payload.length, fds: m.fds.length });
            const reply = dispatch(this, m);
            if (reply !== undefined) this.send(m.request, reply);
          }
        } catch (e: unknown) {
          // This message's fds and those of the messages after it in the batch are never handled.
          for (const m of messages.slice(i)) closeFds(m.fds);
          throw e;
        }
      } catch (e: unknown) {
        this.fail(e instanceof Error ? e : new VhostUserProtocolError(String(e)));
        return;
      }
    }
  }

  private send(request: number, payload: Uint8Array): void {
    const bytes = encodeReply(request, payload);
    const n = sendMessage(this.fd, bytes, []);
    if (n !== bytes.length) throw new VhostUserProtocolError(`reply to ${messageName(request)} could not be sent whole`);
  }

  private fail(e: Error): void {
    this.close({ kind: 'protocol-error', error: e });
  }

  get eventIdx(): boolean {
    return (this.ackedFeatures & (1n << BigInt(VIRTIO_RING_F_EVENT_IDX_BIT))) !== 0n;
  }

  startRings(): void {
    if (this.memory.regionCount === 0) return;
    for (const v of this.vrings) v.tryStart(this.memory, this.eventIdx);
  }

  addMappedRegion(region: MemoryRegion, mapping: Mapping, fd: number, mmapOffset: number): void {
    const remote = this.backend.remoteRings;
    this.memory.add(region);
    const id = this.nextRegionId++;
    if (remote !== undefined) {
      try {
        remote.mapRegion({ id, fd, mmapOffset, guestPhysAddr: region.guestPhysAddr, sizeBytes: region.sizeBytes, userspaceAddr: region.userspaceAddr });
      } catch (e: unknown) {
        this.memory.remove(region.guestPhysAddr, region.sizeBytes);
        throw e;
      }
      this.mappings.set(region, { mapping, fd, id });
    } else {
      closeFds([fd]);
      this.mappings.set(region, { mapping, fd: -1, id });
    }
  }

  private unmapRegion(region: MemoryRegion): void {
    const m = this.mappings.get(region);
    if (m === undefined) return;
    this.mappings.delete(region);
    this.memory.remove(region.guestPhysAddr, region.sizeBytes);
    if (m.fd >= 0) {
      this.backend.remoteRings?.unmapRegion(m.id);
      closeFds([m.fd]);
    }
    m.mapping.unmap();
  }

  dropMemory(): void {
    for (const v of this.vrings) v.stop();
    for (const region of [...this.mappings.keys()]) this.unmapRegion(region);
  }

  removeRegion(guestPhysAddr: number, sizeBytes: number): void {
    const region = this.memory.list().find((r) => r.guestPhysAddr === guestPhysAddr && r.sizeBytes === sizeBytes);
    if (region === undefined) return;
    // Rings may point into it: stop them; they restart on the next kick fd / address update.
    for (const v of this.vrings) v.stop();
    this.unmapRegion(region);
    this.startRings();
  }

  resetDevice(): void {
    for (const v of this.vrings) v.stop();
    this.backend.reset();
  }

  get hasCryptoSessions(): boolean {
    return (this.protocolFeatures & (1n << BigInt(PF.CRYPTO_SESSION))) !== 0n;
  }

  /** Releases every fd and mapping of this connection and wipes device state. Idempotent. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.stop();
    for (const v of this.vrings) v.close();
    this.dropMemory();
    closeFds([this.fd, ...this.reader.takeStrayFds()]);
    this.backend.reset();
    this.backend.remoteRings?.onRingBroken(undefined);
    this.onClose(reason);
  }
}
