// SPDX-License-Identifier: Apache-2.0
/**
 * The channel between a connection's thread and a ring worker thread. Three ports: requests
 * (in order, to the worker), replies (read only with receiveMessageOnPort) and events (from the
 * worker). A synchronous call posts a request, then waits with Atomics.wait on a shared word
 * the worker sets to the request's sequence number once its reply is posted. A second shared
 * word counts the requests posted, so the worker can tell at the cost of one atomic load that
 * requests wait, and reads them itself before each chain it pops: a request posted before a
 * guest is answered is applied before that guest's next request is read. Knows the message shapes,
 * nothing of what rings or devices do.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Transferable } from 'node:worker_threads';
import type { RegionSpec, RingSpec } from './remote-rings.js';
import { VhostUserError } from './errors.js';

export type RingRequest =
  | { readonly op: 'map'; readonly region: RegionSpec }
  | { readonly op: 'unmap'; readonly id: number }
  /** epoch: which connection started it (its broken event names it, so a late one is ignored). */
  | { readonly op: 'start'; readonly ring: RingSpec; readonly epoch: number }
  | { readonly op: 'stop'; readonly index: number }
  | { readonly op: 'call'; readonly index: number; readonly fd: number }
  | { readonly op: 'enable'; readonly index: number; readonly enabled: boolean }

  /** For the device the worker runs; opaque here. */
  | { readonly op: 'device'; readonly body: unknown };

export type RingEvent =
  /** epoch: that of the ring's start; undefined for a failure of no ring in particular. */
  | { readonly ev: 'broken'; readonly index: number; readonly message: string; readonly epoch?: number }
  | { readonly ev: 'device'; readonly body: unknown }
  /** The worker has loaded and listens for requests. */
  | { readonly ev: 'ready' };

interface Envelope {
  /** 0: no reply wanted. */
  readonly seq: number;
  readonly request: RingRequest;
}
type Reply = { readonly seq: number; readonly ok: true; readonly value: unknown } | { readonly seq: number; readonly ok: false; readonly message: string };

/** A ring worker did not answer, died, or refused a request. */
export class RingWorkerError extends VhostUserError {
  constructor(message: string, options?: ErrorOptions) {
    super('VCRYPTO_ERR_RING_WORKER', message, options);
    this.name = 'RingWorkerError';
  }
}

/** What the worker receives in workerData to build its end. */
export interface WorkerEndPorts {
  readonly requests: MessagePort;
  readonly replies: MessagePort;
  readonly events: MessagePort;
  /** Two Int32 words: [DONE] the last answered sequence number, [POSTED] requests posted so far. */
  readonly shared: SharedArrayBuffer;
}

const DONE = 0;
const POSTED = 1;

/** How long a synchronous call waits for a live worker (it only waits out a drain of at most MAX_BATCH chains). */
const CALL_TIMEOUT_MS = 10_000;

/** The connection thread's end. */
export class CallerEnd {
  private seq = 0;
  private readonly words: Int32Array;
  readonly forWorker: WorkerEndPorts;
  readonly transfer: Transferable[];
  private readonly requests: MessagePort;
  private readonly replies: MessagePort;
  readonly events: MessagePort;

  constructor() {
    const req = new MessageChannel();
    const rep = new MessageChannel();
    const ev = new MessageChannel();
    const shared = new SharedArrayBuffer(8);
    this.words = new Int32Array(shared);
    this.requests = req.port1;
    this.replies = rep.port1;
    this.events = ev.port1;
    this.forWorker = { requests: req.port2, replies: rep.port2, events: ev.port2, shared };
    this.transfer = [req.port2, rep.port2, ev.port2];
  }

  post(request: RingRequest, transfer: Transferable[] = []): void {
    this.requests.postMessage({ seq: 0, request } satisfies Envelope, transfer);
    Atomics.add(this.words, POSTED, 1);
  }

  /** Posts the request and blocks until the worker answers; `alive` says whether the worker still runs. */
  call(request: RingRequest, alive: () => boolean, transfer: Transferable[] = []): unknown {
    this.seq = this.seq === 0x7fffffff ? 1 : this.seq + 1;
    const seq = this.seq;
    this.requests.postMessage({ seq, request } satisfies Envelope, transfer);
    Atomics.add(this.words, POSTED, 1);
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    for (;;) {
      const now = Atomics.load(this.words, DONE);
      if (now === seq) {
        const r = receiveMessageOnPort(this.replies);
        if (r !== undefined) return this.unwrap(r.message as Reply, seq, request);
      }
      if (!alive()) throw new RingWorkerError(`ring worker exited before answering ${request.op}`);
      if (Date.now() > deadline) throw new RingWorkerError(`ring worker did not answer ${request.op} within ${CALL_TIMEOUT_MS} ms`);
      Atomics.wait(this.words, DONE, now, 50);
    }
  }

  private unwrap(r: Reply, seq: number, request: RingRequest): unknown {
    if (r.seq !== seq) throw new RingWorkerError(`ring worker answered request ${r.seq} while ${seq} (${request.op}) was awaited`);
    if (!r.ok) throw new RingWorkerError(`ring worker refused ${request.op}: ${r.message}`);
    return r.value;
  }

  close(): void {
    this.requests.close();
    this.replies.close();
    this.events.close();
  }
}

/** The worker's end: handles requests as they arrive and whenever pull() is called. */
export class WorkerEnd {
  private readonly words: Int32Array;
  /** Requests run so far, from the port's events and from pull(); equal to POSTED when none wait. */
  private applied = 0;

  constructor(
    private readonly ports: WorkerEndPorts,
    private readonly handle: (r: RingRequest) => unknown,
  ) {
    this.words = new Int32Array(ports.shared);
    ports.requests.on('message', (m: Envelope) => this.run(m));
    this.emit({ ev: 'ready' });
  }

  /** Applies every request already posted (called before each chain is popped): one atomic load when none is. */
  pull(): void {
    if (Atomics.load(this.words, POSTED) === this.applied) return;
    for (;;) {
      const m = receiveMessageOnPort(this.ports.requests);
      if (m === undefined) return;
      this.run(m.message as Envelope);
    }
  }

  emit(e: RingEvent, transfer: Transferable[] = []): void {
    this.ports.events.postMessage(e, transfer);
  }

  private run(m: Envelope): void {
    this.applied = (this.applied + 1) | 0;
    let reply: Reply;
    try {
      reply = { seq: m.seq, ok: true, value: this.handle(m.request) };
    } catch (e: unknown) {
      reply = { seq: m.seq, ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    if (m.seq === 0) {
      if (!reply.ok) this.emit({ ev: 'broken', index: -1, message: `${m.request.op}: ${reply.message}` });
      return;
    }
    this.ports.replies.postMessage(reply);
    Atomics.store(this.words, DONE, m.seq);
    Atomics.notify(this.words, DONE);
  }
}
