// SPDX-License-Identifier: Apache-2.0
/**
 * The parallel ceiling: the same node:crypto loop as the ceiling, in N worker threads started
 * together, summed. N threads ÷ 1 thread (both measured this way, alternating) is what this
 * machine's cores give a perfectly parallel program, the yardstick for N queues ÷ 1 queue.
 * Knows nothing of the device.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../internal/worker-script.js';
import type { Algorithm } from './workloads.js';

/** Operations per second of `threads` loops running at once. */
export async function threadCeiling(algorithm: Algorithm, sizeBytes: number, threads: number, durationMs: number): Promise<number> {
  const start = new SharedArrayBuffer(8);
  const flags = new Int32Array(start);
  const script = workerScript(import.meta.url, 'cmd/bench', 'ceiling-worker.js');
  const results = Array.from({ length: threads }, () => {
    const w = new Worker(script, { workerData: { algorithm, sizeBytes, durationMs, buffers: 32, start } });
    return new Promise<{ ops: number; seconds: number }>((resolve, reject) => {
      w.once('message', (m: { ops: number; seconds: number }) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`a ceiling thread exited with code ${code} before reporting`)));
    });
  });
  // Every thread is warm and waiting: start them together.
  while (Atomics.load(flags, 1) < threads) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  const all = await Promise.all(results);
  return all.reduce((sum, r) => sum + r.ops / r.seconds, 0);
}

/** N threads ÷ 1 thread, alternating the two `rounds` times (summed ops/s of each). */
export async function machineScaling(algorithm: Algorithm, sizeBytes: number, threads: number, durationMs: number, rounds = 2): Promise<number> {
  const one: number[] = [];
  const many: number[] = [];
  for (let i = 0; i < rounds; i++) {
    one.push(await threadCeiling(algorithm, sizeBytes, 1, durationMs / rounds));
    many.push(await threadCeiling(algorithm, sizeBytes, threads, durationMs / rounds));
  }
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return sum(many) / sum(one);
}
