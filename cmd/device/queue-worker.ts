// SPDX-License-Identifier: Apache-2.0
/**
 * The entry of one queue worker thread of `vcrypto device --datapath workers`: builds the same
 * backend as the main thread, a copy of the device whose sessions the main thread mirrors here,
 * its own statistics (the main thread asks for a snapshot on every scrape and adds them up, see
 * worker-stats.ts), and
 * a RingHost that runs the data queue given to it. Runs only as a worker thread.
 */
import { randomUUID } from 'node:crypto';
import { isMainThread, workerData } from 'node:worker_threads';
import { CryptoDevice, isMirrorMessage, RingHost, VhostUserCrypto, type WorkerEndPorts } from '../../device-core/src/index.js';
import { createLogger } from '../../pkg/log/logger.js';
import { DeviceStatsCollector } from '../../pkg/metrics/index.js';
import { buildBackend } from './backend.js';
import { QueueWorkerDataSchema, SNAPSHOT_REQUEST } from './queue-worker-data.js';
import { tracerFor } from './tracer.js';
import type { WorkerStatsReply } from './worker-stats.js';

function main(): void {
  if (isMainThread) throw new Error('cmd/device/queue-worker runs only as a worker thread of vcrypto device');
  const data = workerData as { ports: WorkerEndPorts; device: unknown };
  const o = QueueWorkerDataSchema.parse(data.device);
  const log = createLogger({ name: `device-queue-worker-${o.worker}` });
  const tracer = tracerFor(log);
  // The main thread already logged what the backend has to say.
  const backend = buildBackend(o.flags, () => undefined);
  const stats = new DeviceStatsCollector();
  // Tells the main thread's ledger a replacement from the worker it replaced.
  const incarnation = randomUUID();
  // maxSessions only bounds the owner's table; this copy adopts what the owner created.
  const device = new CryptoDevice({ backend, maxDataQueues: o.queues, maxSessions: 1, maxSize: o.maxRequestSize, tracer, stats });
  const adapter = new VhostUserCrypto({ device, dataQueues: o.queues, queueStats: stats });
  new RingHost({
    ports: data.ports,
    backend: adapter,
    tracer,
    pollUs: o.pollUs,
    onDeviceRequest: (body) => {
      if (isMirrorMessage(body)) return device.applyMirror(body);
      if ((body as { k?: unknown } | null)?.k === SNAPSHOT_REQUEST.k) return { incarnation, stats: stats.snapshot() } satisfies WorkerStatsReply;
      throw new Error('unknown device request');
    },
  });
}

main();
