// SPDX-License-Identifier: Apache-2.0
/**
 * Drives a device through the project's frontend for one benchmark row: keeps `depth` prepared
 * requests in flight on each of the given data queues (a completed request is posted again at
 * once; all the posts of one harvest go out with one kick), until a duration or a request count
 * is reached. Records per-request round-trip times when asked (depth 1), and the frontend's
 * kicks and calls. Stops at the first request that fails: a status byte that is not OK
 * (DriveRequestError), the device closing the connection (DriveDisconnectedError), or nothing
 * completing for 10 s (DriveStalledError). Also the ceiling loop: the same operation with
 * node:crypto in this process. Knows nothing of processes or output formats.
 */
import { performance } from 'node:perf_hooks';
import { getErrorMessage, statusName, VIRTIO_CRYPTO_STATUS, type PreparedRequest, type VhostUserFrontend } from '../../device-core/src/index.js';

export interface DriveOptions {
  /** What is driven, for error messages ("device sha256 64 B depth 1 queues 1"). */
  readonly what: string;
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

/** A request completed with a status other than OK. */
export class DriveRequestError extends Error {
  readonly code = 'VCRYPTO_ERR_BENCH_REQUEST';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DriveRequestError';
  }
}

/** The device closed the connection with requests in flight. */
export class DriveDisconnectedError extends Error {
  readonly code = 'VCRYPTO_ERR_BENCH_DISCONNECTED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DriveDisconnectedError';
  }
}

export function drive(f: VhostUserFrontend, o: DriveOptions): Promise<DriveResult> {
  const queues = o.prepared.length;
  const kicks0 = f.kicksSent.slice(0, queues).reduce((a, b) => a + b, 0);
  const calls0 = f.callsReceived.slice(0, queues).reduce((a, b) => a + b, 0);
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const latenciesUs: number[] = [];
  let requests = 0;
  let stopping = false;
  let settled = false;
  let inFlight = 0;
  let maxInFlight = 0;
  let stoppedAt = 0;
  const started = performance.now();
  const disconnected = (): DriveDisconnectedError => new DriveDisconnectedError(`${o.what}: the device closed the connection (${inFlight} request(s) in flight)`);
  const postFailed = (e: unknown): DriveRequestError => new DriveRequestError(`${o.what}: could not post a request: ${getErrorMessage(e)}`, { cause: e });
  if (f.peerClosed) return Promise.reject(disconnected());
  return new Promise<DriveResult>((resolve, reject) => {
    // A device that stopped answering must not hang the bench: no completion in a whole period.
    let completions = 0;
    let seen = 0;
    const watchdog = setInterval(() => {
      if (completions !== seen) {
        seen = completions;
        return;
      }
      fail(new DriveStalledError(`${o.what}: the device returned no request for ${STALL_MS / 1000} s (${inFlight} in flight)`));
    }, STALL_MS);
    // A device that closed the connection (it exited, or dropped us) completes nothing more.
    const offPeerClosed = f.onPeerClosed(() => fail(disconnected()));
    const timer = o.durationMs === undefined ? undefined : setTimeout(() => stop(), o.durationMs);
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      stopping = true;
      clearInterval(watchdog);
      clearTimeout(timer);
      offPeerClosed();
      return true;
    };
    // The first failure ends the run at once; what is still in flight is left to the caller's
    // clean-up (closing the frontend, stopping the device).
    const fail = (e: Error): void => {
      if (settle()) reject(e);
    };
    const finish = (): void => {
      if (!settle()) return;
      const seconds = (stoppedAt - started) / 1000;
      const kicks = f.kicksSent.slice(0, queues).reduce((a, b) => a + b, 0) - kicks0;
      const calls = f.callsReceived.slice(0, queues).reduce((a, b) => a + b, 0) - calls0;
      resolve({ requests, seconds, latenciesUs, kicks, calls, maxInFlight });
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
        const got = status.view[status.at]!;
        if (got !== OK) {
          fail(new DriveRequestError(`${o.what}: a request on data queue ${queue} completed with status ${statusName(got)} (${got})`));
          return;
        }
        if (++requests >= maxRequests || stopAtNext) {
          clearTimeout(timer);
          stop();
          return;
        }
        // In the frontend's completion handler: a throw here would escape the bench.
        try {
          post(queue, p, status);
        } catch (e: unknown) {
          fail(postFailed(e));
        }
      });
    };
    try {
      o.prepared.forEach((list, queue) => {
        for (const p of list) post(queue, p, statusView(p));
        f.flush(queue);
      });
    } catch (e: unknown) {
      fail(postFailed(e));
    }
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
