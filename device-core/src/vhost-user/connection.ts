// SPDX-License-Identifier: Apache-2.0
/**
 * One vhost-user frontend connection: reads messages from the socket (with their fds), runs
 * them through the dispatch table, sends replies, and owns everything the frontend gave us —
 * memory mappings, vrings and their fds — until it leaves. A protocol violation closes the
 * connection and releases all of it (libvhost-user's vu_panic); the server then accepts the
 * next frontend. Knows nothing of crypto.
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
  readonly mappings = new Map<MemoryRegion, Mapping>();
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
  ) {
    this.vrings = Array.from({ length: backend.numQueues }, (_, i) => new Vring(i, backend, tracer, (e) => this.fail(e)));
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

  dropMemory(): void {
    for (const v of this.vrings) v.stop();
    for (const [region, mapping] of this.mappings) {
      this.memory.remove(region.guestPhysAddr, region.sizeBytes);
      mapping.unmap();
    }
    this.mappings.clear();
  }

  removeRegion(guestPhysAddr: number, sizeBytes: number): void {
    const region = this.memory.remove(guestPhysAddr, sizeBytes);
    if (region === undefined) return;
    // Rings may point into it: stop them; they restart on the next kick fd / address update.
    for (const v of this.vrings) v.stop();
    this.mappings.get(region)?.unmap();
    this.mappings.delete(region);
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
    this.onClose(reason);
  }
}
