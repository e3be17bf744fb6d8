// SPDX-License-Identifier: Apache-2.0
/**
 * The main thread's side of `--datapath workers`: one queue worker thread per data queue
 * (cmd/device/queue-worker.ts), the session mirror that keeps their device copies in step with
 * the main thread's, and their statistics on demand. The control queue stays on the main
 * thread. Starting waits until every worker answers (a worker that cannot load is a start-up
 * failure, not a loop of replacements). Logs a worker that exits unexpectedly; knows no
 * vhost-user message.
 */
import { getErrorMessage, RingWorkerPool, type SessionMirror } from '../../device-core/src/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import type { DeviceStatsSnapshot } from '../../pkg/metrics/index.js';
import { workerScript } from '../internal/worker-script.js';
import type { DeviceFlags } from './flags.js';
import { SNAPSHOT_REQUEST, type QueueWorkerData } from './queue-worker-data.js';
import { isWorkerStatsReply, WorkerStatsLedger } from './worker-stats.js';

export interface QueueWorkers {
  readonly pool: RingWorkerPool;
  readonly mirror: SessionMirror;
  /** The workers' statistics, asked for now: monotonic across replacements (worker-stats.ts). */
  snapshots(): DeviceStatsSnapshot[];
  close(): Promise<void>;
}

export async function startQueueWorkers(flags: DeviceFlags, log: Logger): Promise<QueueWorkers> {
  const data = (worker: number): QueueWorkerData => ({
    worker,
    flags: {
      backend: flags.backend,
      ...(flags.kernelDriver !== undefined ? { kernelDriver: flags.kernelDriver } : {}),
      ...(flags.services !== undefined ? { services: flags.services } : {}),
      ...(flags.algorithms !== undefined ? { algorithms: flags.algorithms } : {}),
    },
    queues: flags.queues,
    maxRequestSize: flags.maxRequestSize,
    pollUs: flags.pollUs,
  });
  const pool = new RingWorkerPool({
    script: workerScript(import.meta.url, 'cmd/device', 'queue-worker.js'),
    deviceData: data,
    workers: flags.queues,
    threadName: (worker) => `vcrypto-queue${worker}`,
    // Data queues 0..N-1 each on their worker; the control queue (N) on the main thread.
    workerOfRing: (index) => (index < flags.queues ? index : undefined),
    onWorkerExit: (worker, e, respawnInMs) =>
      log.error('A queue worker thread exited; dropped the frontend, replacing the worker', { worker, respawnInMs, err: getErrorMessage(e), cause: e.cause instanceof Error ? e.cause.message : undefined }),
  });
  try {
    await pool.ready();
  } catch (e: unknown) {
    await pool.close();
    throw e;
  }
  const ledger = new WorkerStatsLedger(flags.queues);
  return {
    pool,
    mirror: (build) => pool.broadcast(() => {
      const p = build();
      return { body: p.message, transfer: p.transfer };
    }),
    snapshots: () => ledger.parts(pool.ask(SNAPSHOT_REQUEST).map((a) => (isWorkerStatsReply(a) ? a : undefined))),
    close: () => pool.close(),
  };
}
