// SPDX-License-Identifier: Apache-2.0
/**
 * The device's datapath in one process, without the event loop or any system call: a driver
 * ring in shared guest memory posts 32 prepared requests (laid out as Linux lays them out),
 * the device side pops them from its SplitQueue, runs them through the CryptoDevice (software
 * backend, the device process's stats sink attached) and publishes them; the driver reaps them.
 * Beside it, node:crypto doing the same 32 operations in a plain loop (the ceiling). What the
 * device costs per request beyond the crypto, steadier than `vcrypto bench` on a busy machine.
 * Not a test: `npx vitest bench --run test/bench/datapath.bench.ts`; quote the ratio of the
 * two lines of a group, measured in one run.
 */
import { bench, describe } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createCryptoBackend } from '../../device-core/src/backends/index.js';
import { CryptoDevice } from '../../device-core/src/crypto/device.js';
import type { BufferRef } from '../../device-core/src/testing/driver-ring.js';
import { createLoopbackQueue } from '../../device-core/src/testing/loopback-queue.js';
import { layOut, sessionInput } from '../../device-core/src/testing/request-builder.js';
import { DeviceStatsCollector } from '../../pkg/metrics/index.js';
import { workload, type Algorithm } from '../../cmd/bench/workloads.js';

const DEPTH = 32;
const SIZE = 256;

const { ring, queue, place } = createLoopbackQueue(256 << 20, SIZE);
const device = new CryptoDevice({ backend: createCryptoBackend('software'), maxDataQueues: 1, maxSessions: 16, maxSize: 4 << 20, stats: new DeviceStatsCollector([]) });

function roundTrip(chains: readonly BufferRef[][]): void {
  for (const c of chains) ring.add(c, false);
  for (;;) {
    const r = queue.pop();
    if (r === null) break;
    if (r.kind !== 'chain') throw new Error(r.bad.reason);
    queue.pushUsed(r.chain.head, device.handleDataRequest(r.chain));
  }
  queue.flushUsed();
  if (ring.harvest().length !== chains.length) throw new Error('the device did not return every chain');
}

const ALGOS: Algorithm[] = ['aes-128-cbc-enc', 'aes-128-cbc-dec', 'aes-256-gcm-enc', 'sha256', 'hmac-sha256'];
for (const algorithm of ALGOS) {
  const w = workload(algorithm);
  const created = layOut(w.session, 'per-field');
  device.handleControlRequest(created);
  const { sessionId, status } = sessionInput(created);
  if (status !== 0) throw new Error(`${algorithm} session refused`);
  for (const size of [64, 4096, 16384]) {
    const src = randomBytes(size);
    const chains = Array.from({ length: DEPTH }, () => place(layOut(w.request(sessionId, src), 'per-field')));
    describe(`${algorithm} ${size} B, ${DEPTH} requests`, () => {
      bench('device datapath', () => roundTrip(chains));
      bench('node:crypto loop (ceiling)', () => {
        for (let i = 0; i < DEPTH; i++) w.ceiling(src);
      });
    });
  }
}
