// SPDX-License-Identifier: Apache-2.0
/**
 * Worker threads that run rings off the connection's thread, one ring set per worker, for the
 * life of the process (a frontend that leaves takes its mappings and rings with it, not the
 * workers). Implements RemoteRings for the connection, and lets the device post requests to
 * every worker (session mirror) or ask each for an answer (statistics). A worker that exits
 * unexpectedly is replaced; the connection it served is dropped through onRingBroken. Knows
 * the worker script only as a URL and its data as opaque; knows nothing of crypto.
 */
import { Worker, type Transferable } from 'node:worker_threads';
import type { RegionSpec, RemoteRings, RingSpec } from './remote-rings.js';
import { CallerEnd, RingWorkerError, type RingEvent, type RingRequest } from './ring-worker-channel.js';

export interface RingWorkerPoolOptions {
  /** The worker script; it builds its device and a RingHost from `workerData.ports`. */
  readonly script: URL;
  /** Worker i's workerData.device (structured-cloned). */
  readonly deviceData: (worker: number) => unknown;
  readonly workers: number;
  /** Worker i's thread name (what `ps -T` and /proc/<pid>/task/<tid>/comm show, at most 15 characters). */
  readonly threadName?: (worker: number) => string;
  /** The worker (0..workers-1) that runs ring `index`, or undefined to run it on the connection's thread. */
  readonly workerOfRing: (index: number) => number | undefined;
  /** A device event from a worker (not a reply). */
  readonly onDeviceEvent?: (worker: number, body: unknown) => void;
  /** A worker exited without being asked to; it has been replaced. */
  readonly onWorkerExit?: (worker: number, error: Error) => void;
}

interface Slot {
  worker: Worker;
  end: CallerEnd;
  alive: boolean;
}

export class RingWorkerPool implements RemoteRings {
  private readonly slots: Slot[] = [];
  private brokenListener: ((index: number, message: string) => void) | undefined;
  private closing = false;

  constructor(private readonly o: RingWorkerPoolOptions) {
    for (let i = 0; i < o.workers; i++) this.slots.push(this.spawn(i));
  }

  private spawn(i: number): Slot {
    const end = new CallerEnd();
    const worker = new Worker(this.o.script, {
      workerData: { ports: end.forWorker, device: this.o.deviceData(i) },
      transferList: end.transfer,
      ...(this.o.threadName !== undefined ? { name: this.o.threadName(i) } : {}),
    });
    const slot: Slot = { worker, end, alive: true };
    end.events.on('message', (e: RingEvent) => {
      if (e.ev === 'broken') this.brokenListener?.(e.index, e.message);
      else this.o.onDeviceEvent?.(i, e.body);
    });
    let error: Error | undefined;
    worker.on('error', (e: Error) => (error = e));
    worker.on('exit', (code) => {
      slot.alive = false;
      end.close();
      if (this.closing) return;
      const why = new RingWorkerError(`ring worker ${i} exited (code ${code})`, { cause: error });
      this.slots[i] = this.spawn(i);
      this.o.onWorkerExit?.(i, why);
      this.brokenListener?.(-1, why.message);
    });
    return slot;
  }

  private call(i: number, r: RingRequest, transfer?: Transferable[]): unknown {
    const s = this.slots[i]!;
    return s.end.call(r, () => s.alive && s.worker.threadId >= 0, transfer);
  }

  private ringSlot(index: number): number {
    const w = this.o.workerOfRing(index);
    if (w === undefined) throw new RingWorkerError(`ring ${index} does not run in a worker`);
    return w;
  }

  runsRing(index: number): boolean {
    return this.o.workerOfRing(index) !== undefined;
  }

  mapRegion(r: RegionSpec): void {
    const mapped: number[] = [];
    try {
      for (let i = 0; i < this.slots.length; i++) {
        this.call(i, { op: 'map', region: r });
        mapped.push(i);
      }
    } catch (e: unknown) {
      for (const i of mapped) this.tryCall(i, { op: 'unmap', id: r.id });
      throw e;
    }
  }

  unmapRegion(id: number): void {
    for (let i = 0; i < this.slots.length; i++) this.tryCall(i, { op: 'unmap', id });
  }

  /** A call whose failure leaves nothing to undo (the worker is gone or will be replaced). */
  private tryCall(i: number, r: RingRequest): void {
    try {
      this.call(i, r);
    } catch {
      // a worker that cannot answer holds no mapping we could free from here; its replacement starts empty
    }
  }

  startRing(spec: RingSpec): void {
    this.call(this.ringSlot(spec.index), { op: 'start', ring: spec });
  }

  stopRing(index: number): number {
    try {
      return this.call(this.ringSlot(index), { op: 'stop', index }) as number;
    } catch {
      return -1;
    }
  }

  setCallFd(index: number, fd: number): void {
    this.call(this.ringSlot(index), { op: 'call', index, fd });
  }

  setRingEnabled(index: number, enabled: boolean): void {
    this.slots[this.ringSlot(index)]!.end.post({ op: 'enable', index, enabled });
  }

  onRingBroken(listener: ((index: number, message: string) => void) | undefined): void {
    this.brokenListener = listener;
  }

  /** Posts a device request to every worker, in order with everything posted before; `transferFor` gives each its own transferables. */
  broadcast(body: (worker: number) => { body: unknown; transfer?: Transferable[] }): void {
    for (let i = 0; i < this.slots.length; i++) {
      const m = body(i);
      this.slots[i]!.end.post({ op: 'device', body: m.body }, m.transfer);
    }
  }

  /** Asks every live worker and returns their answers (a worker that cannot answer is left out). */
  ask(body: unknown): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      try {
        out.push(this.call(i, { op: 'device', body }));
      } catch {
        // a worker being replaced has nothing to report yet
      }
    }
    return out;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Stops every worker (process shutdown). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => (s.alive ? s.worker.terminate() : Promise.resolve(0))));
  }
}
