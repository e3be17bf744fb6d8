// SPDX-License-Identifier: Apache-2.0
/**
 * The project's own vhost-user frontend: owns memfd guest memory, sets up split rings in it,
 * connects to a device process's socket and drives it — in cryptodev mode as QEMU does (features
 * with bit 30 only, sessions through messages 26/27 in a chosen QEMU layout, data queue 0) or in
 * device mode (config through GET_CONFIG, the control queue at index N, N data queues). Requests
 * are laid out in guest memory with a chosen descriptor layout (per field, coalesced, split,
 * in-place, oversized; optionally inside one indirect table). Used by `vcrypto selftest`,
 * `vcrypto bench` and the integration tests.
 */
import { closeFd, eventfdCreate, eventfdRead, eventfdWrite, sendMessage, receiveMessage, unixConnect, watchFd, type FdWatch } from '../os/index.js';
import type { SegmentedRequest } from '../crypto/segments.js';
import { VHOST_USER as M, VHOST_USER_HDR_SIZE, VHOST_USER_NEED_REPLY_MASK, VHOST_USER_PROTOCOL_F as PF, VHOST_USER_VERSION } from '../spec/vhost-user.js';
import { VIRTIO_RING_F_EVENT_IDX_BIT } from '../spec/virtio.js';
import { VIRTIO_CRYPTO_CONFIG_LEN, VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import { MessageReader, type Message } from '../vhost-user/codec.js';
import { cryptodevSessionPayload, sessionIdOffset, type SessionLayout } from './cryptodev-session.js';
import { DriverRing, type BufferRef } from './driver-ring.js';
import { FRONTEND_UADDR_BASE, GuestArena } from './guest-arena.js';
import { layOut, type Layout, type LogicalRequest } from './request-builder.js';

export interface FrontendOptions {
  readonly socketPath: string;
  readonly mode: 'cryptodev' | 'device';
  /** Device mode: data queues to set up (the control queue comes after them). */
  readonly dataQueues?: number;
  readonly queueSize?: number;
  readonly memoryBytes?: number;
  readonly sessionLayout?: SessionLayout;
  /**
   * Device mode: the device-specific feature bits (0..23) to ack among those offered. Default
   * none, as the Linux driver: the request builders write the legacy (non-REVISION_1) layouts.
   */
  readonly ackDeviceFeatures?: bigint;
}

export interface Completion {
  /** The request's segments, writable ones filled with what the device wrote. */
  readonly segments: SegmentedRequest;
  readonly usedLen: number;
}

export interface SubmitOptions {
  readonly layout?: Layout;
  readonly indirect?: boolean;
}

/**
 * A request laid out once in pinned guest memory and submitted any number of times with post():
 * what a benchmark drives (no layout, copy or allocation per submission). The device writes its
 * output into `writable` (views of guest memory, valid until the frontend closes).
 */
export interface PreparedRequest {
  readonly bufs: readonly BufferRef[];
  readonly writable: readonly Uint8Array[];
  readonly indirect: boolean;
}

type Done = (usedLen: number) => void;

const bit = (n: number): bigint => 1n << BigInt(n);

export class VhostUserFrontend {
  readonly arena: GuestArena;
  readonly rings: DriverRing[] = [];
  config: Uint8Array | undefined;
  private readonly kickFds: number[] = [];
  private readonly callFds: number[] = [];
  private readonly callWatches: FdWatch[] = [];
  private readonly reader = new MessageReader();
  private readonly replies: Message[] = [];
  private replyWaiter: (() => void) | undefined;
  private readonly sockWatch: FdWatch;
  /** Per queue, the completion callback of each in-flight chain by its head descriptor. */
  private readonly pending: (Done | undefined)[][] = [];
  private readonly inFlightCount: number[] = [];
  /** Per queue: chains were posted and the device has not been told yet. */
  private readonly unkicked: boolean[] = [];
  /** The device acked VIRTIO_RING_F_EVENT_IDX: kicks follow its avail_event. */
  private eventIdx = false;
  /** Per queue: kick eventfd writes and call eventfd wake-ups, for benchmarks' batching figures. */
  readonly kicksSent: number[] = [];
  readonly callsReceived: number[] = [];
  private closed = false;
  private readonly peerClosedListeners = new Set<() => void>();
  readonly dataQueues: number;

  private constructor(
    private readonly fd: number,
    readonly options: FrontendOptions,
  ) {
    this.arena = new GuestArena(options.memoryBytes ?? 64 << 20);
    this.dataQueues = options.mode === 'cryptodev' ? 1 : (options.dataQueues ?? 1);
    const buf = new Uint8Array(8192);
    this.sockWatch = watchFd(fd, () => {
      for (;;) {
        let r;
        try {
          r = receiveMessage(fd, buf, 8);
        } catch {
          // ECONNRESET: the device dropped the connection with our messages unread; a hang-up too
          r = { bytes: 0, fds: [], droppedFds: 0 };
        }
        if (r === null) return;
        if (r.bytes === 0) {
          this.closed = true;
          this.sockWatch.stop(); // a hung-up socket stays readable: stop watching it
          this.replyWaiter?.();
          for (const listener of this.peerClosedListeners) listener();
          this.peerClosedListeners.clear();
          return;
        }
        this.replies.push(...this.reader.push(buf.subarray(0, r.bytes), r.fds));
        this.replyWaiter?.();
      }
    });
  }

  static async connect(o: FrontendOptions): Promise<VhostUserFrontend> {
    const f = new VhostUserFrontend(unixConnect(o.socketPath), o);
    try {
      await f.setUp();
    } catch (e: unknown) {
      f.close();
      throw e;
    }
    return f;
  }

  private send(request: number, payload: Uint8Array, fds: number[] = [], needReply = false): void {
    const b = Buffer.alloc(VHOST_USER_HDR_SIZE + payload.length);
    b.writeUInt32LE(request, 0);
    b.writeUInt32LE(VHOST_USER_VERSION | (needReply ? VHOST_USER_NEED_REPLY_MASK : 0), 4);
    b.writeUInt32LE(payload.length, 8);
    b.set(payload, VHOST_USER_HDR_SIZE);
    if (sendMessage(this.fd, b, fds) !== b.length) throw new Error(`could not send vhost-user message ${request}`);
  }

  private async reply(request: number): Promise<Uint8Array> {
    for (;;) {
      const m = this.replies.shift();
      if (m !== undefined) {
        if (m.request !== request || (m.flags & 0x7) !== 0x5) throw new Error(`unexpected reply ${m.request} flags 0x${m.flags.toString(16)} to ${request}`);
        return m.payload;
      }
      if (this.closed) throw new Error(`the device closed the connection instead of answering request ${request}`);
      await new Promise<void>((resolve) => (this.replyWaiter = resolve));
      this.replyWaiter = undefined;
    }
  }

  private async call(request: number, payload: Uint8Array): Promise<Uint8Array> {
    this.send(request, payload);
    return this.reply(request);
  }

  private u64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return b;
  }

  private async setUp(): Promise<void> {
    const features = Buffer.from(await this.call(M.VHOST_USER_GET_FEATURES, new Uint8Array(0))).readBigUInt64LE(0);
    const proto = Buffer.from(await this.call(M.VHOST_USER_GET_PROTOCOL_FEATURES, new Uint8Array(0))).readBigUInt64LE(0);
    const want = bit(PF.REPLY_ACK) | bit(PF.MQ) | (this.options.mode === 'cryptodev' ? bit(PF.CRYPTO_SESSION) : bit(PF.CONFIG));
    this.send(M.VHOST_USER_SET_PROTOCOL_FEATURES, this.u64(proto & want));
    this.send(M.VHOST_USER_SET_OWNER, new Uint8Array(0));
    if (this.options.mode === 'device') {
      const req = Buffer.alloc(12 + VIRTIO_CRYPTO_CONFIG_LEN);
      req.writeUInt32LE(VIRTIO_CRYPTO_CONFIG_LEN, 4);
      this.config = (await this.call(M.VHOST_USER_GET_CONFIG, req)).subarray(12);
    }
    // QEMU's cryptodev never acks virtio features to the backend: only bit 30 (see the reference).
    const deviceSpecific = 0xffffffn;
    const acked = this.options.mode === 'cryptodev' ? bit(30) : (features & ~deviceSpecific) | (features & deviceSpecific & (this.options.ackDeviceFeatures ?? 0n));
    this.eventIdx = (acked & bit(VIRTIO_RING_F_EVENT_IDX_BIT)) !== 0n;
    this.send(M.VHOST_USER_SET_FEATURES, this.u64(acked));
    const size = this.options.queueSize ?? 256;
    const queues = this.options.mode === 'cryptodev' ? 1 : this.dataQueues + 1;
    for (let i = 0; i < queues; i++) {
      this.rings.push(new DriverRing(this.arena, size));
      this.pending.push(new Array<Done | undefined>(size).fill(undefined));
      this.inFlightCount.push(0);
      this.unkicked.push(false);
      this.kicksSent.push(0);
      this.callsReceived.push(0);
    }
    this.arena.sealRings();
    const table = Buffer.alloc(8 + 32);
    table.writeUInt32LE(1, 0);
    table.writeBigUInt64LE(0n, 8);
    table.writeBigUInt64LE(BigInt(this.arena.sizeBytes), 16);
    table.writeBigUInt64LE(BigInt(FRONTEND_UADDR_BASE), 24);
    this.send(M.VHOST_USER_SET_MEM_TABLE, table, [this.arena.fd]);
    for (const [i, ring] of this.rings.entries()) {
      const idx = (v: number): Buffer => Buffer.from(new Uint32Array([i, v]).buffer);
      this.send(M.VHOST_USER_SET_VRING_NUM, idx(size));
      this.send(M.VHOST_USER_SET_VRING_BASE, idx(0));
      const addr = Buffer.alloc(40);
      addr.writeUInt32LE(i, 0);
      addr.writeBigUInt64LE(BigInt(FRONTEND_UADDR_BASE + ring.descGpa), 8);
      addr.writeBigUInt64LE(BigInt(FRONTEND_UADDR_BASE + ring.usedGpa), 16);
      addr.writeBigUInt64LE(BigInt(FRONTEND_UADDR_BASE + ring.availGpa), 24);
      this.send(M.VHOST_USER_SET_VRING_ADDR, addr);
      const call = eventfdCreate();
      const kick = eventfdCreate();
      this.callFds.push(call);
      this.kickFds.push(kick);
      this.send(M.VHOST_USER_SET_VRING_CALL, this.u64(BigInt(i)), [call]);
      this.send(M.VHOST_USER_SET_VRING_KICK, this.u64(BigInt(i)), [kick]);
      this.callWatches.push(watchFd(call, () => this.onCall(i)));
    }
    // A REPLY_ACK round trip proves the device processed everything above.
    this.send(M.VHOST_USER_SET_OWNER, new Uint8Array(0), [], true);
    const ack = Buffer.from(await this.reply(M.VHOST_USER_SET_OWNER)).readBigUInt64LE(0);
    if (ack !== 0n) throw new Error('the device refused the set-up');
  }

  private onCall(queue: number): void {
    eventfdRead(this.callFds[queue]!);
    this.callsReceived[queue]!++;
    const pending = this.pending[queue]!;
    for (const [head, len] of this.rings[queue]!.harvest()) {
      const done = pending[head];
      if (done === undefined) continue;
      pending[head] = undefined;
      this.inFlightCount[queue]!--;
      done(len);
    }
    // Completions may have posted new chains: one kick for all of them.
    if (this.unkicked[queue]) this.flush(queue);
  }

  /** Chains submitted on a queue and not completed yet. */
  inFlight(queue: number): number {
    return this.inFlightCount[queue] ?? 0;
  }

  private ring(queue: number): DriverRing {
    const ring = this.rings[queue];
    if (ring === undefined) throw new Error(`queue ${queue} is not set up`);
    return ring;
  }

  /** Adds a chain without kicking; `done` runs with the used length when the device returns it. */
  private add(queue: number, bufs: readonly BufferRef[], indirect: boolean, done: Done): void {
    const head = this.ring(queue).add(bufs, indirect);
    if (head === undefined) throw new Error(`queue ${queue} has no free descriptors`);
    this.pending[queue]![head] = done;
    this.inFlightCount[queue]!++;
    this.unkicked[queue] = true;
  }

  /**
   * Tells the device about every chain added since the last kick, with one eventfd write, and
   * only when the device asked for it (avail_event, when EVENT_IDX was negotiated).
   */
  flush(queue: number): void {
    this.unkicked[queue] = false;
    if (this.ring(queue).needsKick(this.eventIdx)) {
      eventfdWrite(this.kickFds[queue]!, 1);
      this.kicksSent[queue]!++;
    }
  }

  /** Copies a request's segments into guest memory; returns the buffers in chain order. */
  private place(segments: SegmentedRequest, alloc: (len: number) => number): { bufs: BufferRef[]; placed: Map<Uint8Array, number> } {
    const placed = new Map<Uint8Array, number>();
    const bufs: BufferRef[] = [];
    for (const [views, writable] of [[segments.readable, false], [segments.writable, true]] as const) {
      for (const v of views) {
        let gpa = placed.get(v);
        if (gpa === undefined) {
          gpa = alloc(Math.max(v.length, 1));
          this.arena.view(gpa, v.length).set(v);
          placed.set(v, gpa);
        }
        bufs.push({ gpa, len: v.length, writable });
      }
    }
    return { bufs, placed };
  }

  /** Lays a request out in pinned guest memory once, for post(). Prepare while nothing is in flight. */
  prepare(req: LogicalRequest, o: SubmitOptions = {}): PreparedRequest {
    const segments = layOut(req, o.layout ?? 'per-field');
    const { bufs, placed } = this.place(segments, (len) => this.arena.allocPinned(len));
    return { bufs, writable: segments.writable.map((v) => this.arena.view(placed.get(v)!, v.length)), indirect: o.indirect ?? false };
  }

  /**
   * Submits a prepared request without kicking: call flush(queue) after the last post of a batch.
   * Posts made from a completion callback are kicked once after the whole harvest. A prepared
   * request must not be posted again before its previous submission completed.
   */
  post(queue: number, p: PreparedRequest, done: Done): void {
    this.add(queue, p.bufs, p.indirect, done);
  }

  /** Lays out and submits several requests with one kick; resolves when all are complete. */
  async submitMany(queue: number, reqs: readonly LogicalRequest[], o: SubmitOptions = {}): Promise<Completion[]> {
    const all = reqs.map((req) => {
      const segments = layOut(req, o.layout ?? 'per-field');
      const { bufs, placed } = this.place(segments, (len) => this.arena.alloc(len));
      const usedLen = new Promise<number>((resolve) => this.add(queue, bufs, o.indirect ?? false, resolve));
      return { segments, placed, usedLen };
    });
    this.flush(queue);
    const out: Completion[] = [];
    for (const r of all) {
      const usedLen = await r.usedLen;
      for (const v of r.segments.writable) v.set(this.arena.view(r.placed.get(v)!, v.length));
      out.push({ segments: r.segments, usedLen });
    }
    return out;
  }

  get controlQueue(): number {
    return this.dataQueues;
  }

  /**
   * Lays out a request in guest memory, submits it and resolves when the device completes it.
   * Kicks on every call, whatever avail_event says (several concurrent submit() calls each kick:
   * use submitMany() or post() for one kick per batch).
   */
  async submit(queue: number, req: LogicalRequest, o: SubmitOptions = {}): Promise<Completion> {
    const segments = layOut(req, o.layout ?? 'per-field');
    const { bufs, placed } = this.place(segments, (len) => this.arena.alloc(len));
    const usedLen = await new Promise<number>((resolve) => {
      this.add(queue, bufs, o.indirect ?? false, resolve);
      this.unkicked[queue] = false;
      this.ring(queue).needsKick(this.eventIdx);
      eventfdWrite(this.kickFds[queue]!, 1);
    });
    for (const v of segments.writable) v.set(this.arena.view(placed.get(v)!, v.length));
    return { segments, usedLen };
  }

  /**
   * Creates a session from a control-queue request: through the control queue in device mode,
   * through vhost-user message 26 in cryptodev mode (NOTSUPP for what QEMU would not forward).
   */
  async createSession(req: LogicalRequest, o: SubmitOptions = {}): Promise<{ status: number; sessionId: bigint }> {
    if (this.options.mode === 'device') {
      const c = await this.submit(this.controlQueue, req, o);
      const out = Buffer.concat(c.segments.writable.map((w) => Buffer.from(w)));
      return { sessionId: out.readBigUInt64LE(0), status: out.readUInt32LE(8) };
    }
    const [header, key = new Uint8Array(0), authKey = new Uint8Array(0)] = req.readable;
    const layout = this.options.sessionLayout ?? 'qemu-7.1-8.0';
    const payload = cryptodevSessionPayload(layout, header!, key, authKey);
    if (payload === undefined) return { status: S.VIRTIO_CRYPTO_NOTSUPP, sessionId: 0n };
    const reply = Buffer.from(await this.call(M.VHOST_USER_CREATE_CRYPTO_SESSION, payload));
    const id = reply.readBigInt64LE(sessionIdOffset(layout));
    return id >= 0n ? { status: S.VIRTIO_CRYPTO_OK, sessionId: id } : { status: Number(-id), sessionId: 0n };
  }

  /** Destroys a session: control queue (device mode) or message 27 with REPLY_ACK (cryptodev mode). */
  async destroySession(req: LogicalRequest, sessionId: bigint): Promise<number> {
    if (this.options.mode === 'device') {
      const c = await this.submit(this.controlQueue, req);
      const w = c.segments.writable;
      const last = w[w.length - 1]!;
      return last[last.length - 1]!;
    }
    this.send(M.VHOST_USER_CLOSE_CRYPTO_SESSION, this.u64(sessionId), [], true);
    const ack = Buffer.from(await this.reply(M.VHOST_USER_CLOSE_CRYPTO_SESSION)).readBigUInt64LE(0);
    return ack === 0n ? S.VIRTIO_CRYPTO_OK : S.VIRTIO_CRYPTO_INVSESS;
  }

  // ---- Low-level hooks for the hostile-guest tests: no checks, no bookkeeping. ----

  /** Sends one vhost-user message as given (any request code, flags and fds). */
  sendRaw(request: number, payload: Uint8Array, fds: number[] = [], flags: number = VHOST_USER_VERSION): void {
    const b = Buffer.alloc(VHOST_USER_HDR_SIZE + payload.length);
    b.writeUInt32LE(request >>> 0, 0);
    b.writeUInt32LE(flags >>> 0, 4);
    b.writeUInt32LE(payload.length, 8);
    b.set(payload, VHOST_USER_HDR_SIZE);
    if (sendMessage(this.fd, b, fds) !== b.length) throw new Error(`could not send vhost-user message ${request}`);
  }

  /** Sends bytes on the socket as they are (a header may announce any size). */
  sendBytes(bytes: Uint8Array, fds: number[] = []): void {
    if (sendMessage(this.fd, bytes, fds) !== bytes.length) throw new Error('could not send the bytes');
  }

  /** Waits for the reply to `request` (header flags must be version 1 + reply). */
  receiveReply(request: number): Promise<Uint8Array> {
    return this.reply(request);
  }

  /** Writes the queue's kick eventfd. */
  kick(queue: number): void {
    eventfdWrite(this.kickFds[queue]!, 1);
  }

  /** Resolves with the used length when the device returns `head` on `queue` (heads published by hand). */
  awaitUsed(queue: number, head: number): Promise<number> {
    return new Promise<number>((resolve) => {
      this.pending[queue]![head] = resolve;
      this.inFlightCount[queue]!++;
    });
  }

  /** True once the device has closed the connection. */
  get peerClosed(): boolean {
    return this.closed;
  }

  /**
   * Runs `listener` once when the device closes the connection from now on (check peerClosed
   * first); returns a function that removes it. Chains in flight then never complete: whoever
   * waits for them can give up here instead of at a timeout.
   */
  onPeerClosed(listener: () => void): () => void {
    this.peerClosedListeners.add(listener);
    return () => void this.peerClosedListeners.delete(listener);
  }

  close(): void {
    this.sockWatch.stop();
    for (const w of this.callWatches) w.stop();
    for (const fd of [...this.kickFds, ...this.callFds, this.fd]) closeFd(fd);
    this.arena.close();
  }
}
