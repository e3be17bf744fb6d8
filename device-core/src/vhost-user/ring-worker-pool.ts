// SPDX-License-Identifier: Apache-2.0
/**
 * Worker threads that run rings off the connection's thread, one ring set per worker, for the
 * life of the process (a frontend that leaves takes its mappings and rings with it, not the
 * workers). Implements RemoteRings for the connection, and lets the device post requests to
 * every worker (session mirror) or ask each for an answer (statistics). ready() waits until
 * every worker has loaded; one that exits before it ever did is not replaced (it would only fail
 * again). A worker that exits later is replaced after a pause that doubles while replacements keep dying (capped);
 * the connection it served is dropped through onRingBroken, and calls to it fail fast until
 * its replacement runs. Knows
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
  /** A worker exited without being asked to; a replacement starts after `respawnInMs` (-1: none, it never loaded). */
  readonly onWorkerExit?: (worker: number, error: Error, respawnInMs: number) => void;
}

interface Slot {
  worker: Worker;
  end: CallerEnd;
  alive: boolean;
  /** It said ready: it loaded, so a replacement is worth starting when it dies. */
  ready: boolean;
  /** Settles when it says ready or exits first. */
  readonly started: Promise<void>;
  spawnedAt: number;
}

/** Replacement pauses: the first, the cap, and how long a worker must live for the pause to start over. */
const RESPAWN_FIRST_MS = 100;
const RESPAWN_MAX_MS = 30_000;
const RESPAWN_RESET_AFTER_MS = 60_000;

export class RingWorkerPool implements RemoteRings {
  private readonly slots: Slot[] = [];
  private brokenListener: ((index: number, message: string) => void) | undefined;
  /** Counts listeners (connections): a ring broken under an earlier one must not drop a later one. */
  private epoch = 0;
  private closing = false;
  private readonly respawnPauseMs: number[];
  private readonly respawnTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly o: RingWorkerPoolOptions) {
    this.respawnPauseMs = new Array<number>(o.workers).fill(0);
    for (let i = 0; i < o.workers; i++) this.slots.push(this.spawn(i));
  }

  /** Resolves once every worker has loaded; rejects with a RingWorkerError when one exits first. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.started));
  }

  private spawn(i: number): Slot {
    const end = new CallerEnd();
    const worker = new Worker(this.o.script, {
      workerData: { ports: end.forWorker, device: this.o.deviceData(i) },
      transferList: end.transfer,
      ...(this.o.threadName !== undefined ? { name: this.o.threadName(i) } : {}),
    });
    let markStarted: () => void = () => undefined;
    let failStart: (e: Error) => void = () => undefined;
    const started = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      failStart = reject;
    });
    // Nobody may await a replacement's start; its failure is reported through onWorkerExit.
    started.catch(() => undefined);
    const slot: Slot = { worker, end, alive: true, ready: false, started, spawnedAt: Date.now() };
    end.events.on('message', (e: RingEvent) => {
      if (e.ev === 'ready') {
        slot.ready = true;
        markStarted();
      } else if (e.ev === 'broken') {
        if (e.epoch === undefined || e.epoch === this.epoch) this.brokenListener?.(e.index, e.message);
      } else {
        this.o.onDeviceEvent?.(i, e.body);
      }
    });
    let error: Error | undefined;
    worker.on('error', (e: Error) => (error = e));
    worker.on('exit', (code) => {
      slot.alive = false;
      end.close();
      const why = new RingWorkerError(`ring worker ${i} exited (code ${code})${error !== undefined ? `: ${error.message}` : ''}`, { cause: error });
      failStart(why);
      if (this.closing) return;
      let pause = -1;
      if (slot.ready) {
        const lived = Date.now() - slot.spawnedAt;
        pause = lived > RESPAWN_RESET_AFTER_MS || this.respawnPauseMs[i] === 0 ? RESPAWN_FIRST_MS : Math.min(RESPAWN_MAX_MS, this.respawnPauseMs[i]! * 2);
        this.respawnPauseMs[i] = pause;
        const t = setTimeout(() => {
          this.respawnTimers.delete(t);
          if (!this.closing) this.slots[i] = this.spawn(i);
        }, pause);
        this.respawnTimers.add(t);
      }
      this.o.onWorkerExit?.(i, why, pause);
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
    this.call(this.ringSlot(spec.index), { op: 'start', ring: spec, epoch: this.epoch });
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
    this.epoch++;
  }

  /** Posts a device request to every worker, in order with everything posted before; `transferFor` gives each its own transferables. */
  broadcast(body: (worker: number) => { body: unknown; transfer?: Transferable[] }): void {
    for (let i = 0; i < this.slots.length; i++) {
      const m = body(i);
      this.slots[i]!.end.post({ op: 'device', body: m.body }, m.transfer);
    }
  }

  /** Asks every worker; entry i is worker i's answer, undefined when it cannot answer (dead, or not yet replaced). */
  ask(body: unknown): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      try {
        out.push(this.call(i, { op: 'device', body }));
      } catch {
        out.push(undefined);
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
    for (const t of this.respawnTimers) clearTimeout(t);
    this.respawnTimers.clear();
    await Promise.all(this.slots.map((s) => (s.alive ? s.worker.terminate() : Promise.resolve(0))));
  }
}
