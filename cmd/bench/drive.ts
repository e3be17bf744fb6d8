// SPDX-License-Identifier: Apache-2.0
/**
 * Drives a device through the project's frontend for one benchmark row: keeps `depth` prepared
 * requests in flight on each of the given data queues (a completed request is posted again at
 * once; all the posts of one harvest go out with one kick), until a duration or a request count
 * is reached. Records per-request round-trip times when asked (depth 1), counts requests whose
 * status byte is not OK, and the frontend's kicks and calls; gives up (DriveStalledError) when
 * nothing completes for 10 s. Also the ceiling loop: the same operation with node:crypto in this
 * process. Knows nothing of processes or output formats.
 */
import { performance } from 'node:perf_hooks';
import { VIRTIO_CRYPTO_STATUS, type PreparedRequest, type VhostUserFrontend } from '../../device-core/src/index.js';

export interface DriveOptions {
  /** Per data queue used, `depth` prepared requests (each with its own buffers). */
  readonly prepared: readonly (readonly PreparedRequest[])[];
  readonly durationMs?: number;
  /** Stop after this many completed requests instead (whichever comes first). */
  readonly maxRequests?: number;
  readonly recordLatency: boolean;
}

export interface DriveResult {
  readonly requests: number;
  readonly seconds: number;
  readonly failed: number;
  /** Round-trip times in microseconds (recordLatency only). */
  readonly latenciesUs: number[];
  readonly kicks: number;
  readonly calls: number;
  /** Most requests the frontend had in flight at once, over all queues. */
  readonly maxInFlight: number;
}

const OK = VIRTIO_CRYPTO_STATUS.VIRTIO_CRYPTO_OK;

/** The status byte: the last writable byte of the request. */
function statusView(p: PreparedRequest): { view: Uint8Array; at: number } {
  const view = p.writable[p.writable.length - 1]!;
  return { view, at: view.length - 1 };
}

/** How long without a single completion before a run is abandoned. */
const STALL_MS = 10_000;

export class DriveStalledError extends Error {
  readonly code = 'VCRYPTO_ERR_BENCH_STALLED';
  constructor(message: string) {
    super(message);
    this.name = 'DriveStalledError';
  }
}

export function drive(f: VhostUserFrontend, o: DriveOptions): Promise<DriveResult> {
  const queues = o.prepared.length;
  const kicks0 = f.kicksSent.slice(0, queues).reduce((a, b) => a + b, 0);
  const calls0 = f.callsReceived.slice(0, queues).reduce((a, b) => a + b, 0);
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const latenciesUs: number[] = [];
  let requests = 0;
  let failed = 0;
  let stopping = false;
  let inFlight = 0;
  let maxInFlight = 0;
  let stoppedAt = 0;
  const started = performance.now();
  return new Promise<DriveResult>((resolve, reject) => {
    // A device that died or stopped answering must not hang the bench.
    let completions = 0;
    let seen = -1;
    const watchdog = setInterval(() => {
      if (completions !== seen) {
        seen = completions;
        return;
      }
      clearInterval(watchdog);
      clearTimeout(timer);
      reject(new DriveStalledError(`the device returned no request for ${STALL_MS / 1000} s (${inFlight} in flight)`));
    }, STALL_MS);
    const finish = (): void => {
      clearInterval(watchdog);
      const seconds = (stoppedAt - started) / 1000;
      const kicks = f.kicksSent.slice(0, queues).reduce((a, b) => a + b, 0) - kicks0;
      const calls = f.callsReceived.slice(0, queues).reduce((a, b) => a + b, 0) - calls0;
      resolve({ requests, seconds, failed, latenciesUs, kicks, calls, maxInFlight });
    };
    // A duration that ends before the first completion (a loaded machine) runs on until one
    // request is counted, so no row reports zero requests.
    let stopAtNext = false;
    const stop = (): void => {
      if (stopping) return;
      if (requests === 0 && maxRequests > 0) {
        stopAtNext = true;
        return;
      }
      stopping = true;
      stoppedAt = performance.now();
      if (inFlight === 0) finish();
    };
    const timer = o.durationMs === undefined ? undefined : setTimeout(stop, o.durationMs);
    const post = (queue: number, p: PreparedRequest, status: { view: Uint8Array; at: number }): void => {
      // A status the device never wrote must not read as OK (0).
      status.view[status.at] = 0xff;
      const postedAt = o.recordLatency ? performance.now() : 0;
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      f.post(queue, p, () => {
        completions++;
        inFlight--;
        if (stopping) {
          if (inFlight === 0) finish();
          return;
        }
        if (o.recordLatency) latenciesUs.push((performance.now() - postedAt) * 1000);
        if (status.view[status.at] !== OK) failed++;
        if (++requests >= maxRequests || stopAtNext) {
          clearTimeout(timer);
          stop();
          return;
        }
        post(queue, p, status);
      });
    };
    o.prepared.forEach((list, queue) => {
      for (const p of list) post(queue, p, statusView(p));
      f.flush(queue);
    });
  });
}

/** Runs `op` in a plain loop for about `durationMs`: operations, wall seconds, CPU seconds of this process. */
export function ceilingRun(op: () => void, durationMs: number): { ops: number; seconds: number; cpuSeconds: number } {
  for (let i = 0; i < 64; i++) op(); // warm up the call site
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  let n = 0;
  let now = started;
  while (now < end) {
    for (let i = 0; i < 16; i++) op();
    n += 16;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { ops: n, seconds: (now - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The q-quantile (0..1) of values, by nearest rank; undefined for none. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
