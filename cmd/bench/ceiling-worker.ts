// SPDX-License-Identifier: Apache-2.0
/**
 * One thread of the parallel ceiling (thread-ceiling.ts): builds the workload's node:crypto
 * operation on buffers of its own, warms up, waits for the shared start signal, runs the plain
 * loop, and posts what it did. Runs only as a worker thread of `vcrypto bench`.
 */
import { randomBytes } from 'node:crypto';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { ceilingRun } from './drive.js';
import { ALGORITHMS, workload } from './workloads.js';

const DataSchema = z.object({
  algorithm: z.enum(ALGORITHMS),
  sizeBytes: z.number().int().positive(),
  durationMs: z.number().positive(),
  buffers: z.number().int().positive(),
  start: z.instanceof(SharedArrayBuffer),
});

function main(): void {
  if (isMainThread || parentPort === null) throw new Error('cmd/bench/ceiling-worker runs only as a worker thread of vcrypto bench');
  const o = DataSchema.parse(workerData);
  const w = workload(o.algorithm);
  const sources = Array.from({ length: o.buffers }, () => randomBytes(o.sizeBytes));
  let next = 0;
  const op = (): void => w.ceiling(sources[next++ % sources.length]!);
  for (let i = 0; i < 256; i++) op();
  const start = new Int32Array(o.start);
  Atomics.add(start, 1, 1);
  Atomics.notify(start, 1);
  Atomics.wait(start, 0, 0);
  const r = ceilingRun(op, o.durationMs);
  parentPort.postMessage({ ops: r.ops, seconds: r.seconds });
}

main();
