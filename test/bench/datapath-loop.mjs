// SPDX-License-Identifier: Apache-2.0
/**
 * The device's own per-request CPU cost on the datapath, in one process: the real SplitQueue and
 * CryptoDevice (software backend, a DeviceStatsCollector attached) from dist/ serve 32 prepared
 * requests per round trip from a driver ring in the same process (testing/loopback-queue.ts),
 * and each row prints the µs per request of that device path next to the bare node:crypto
 * operation on the same bytes (the workload's ceiling from cmd/bench/workloads.ts). "overhead" is the difference: what the queue
 * walk, guest-memory translation, request parsing, the backend glue and the statistics cost.
 * No sockets, no vhost-user, no second process. A measurement, not a test (vitest does not run
 * it); the machine is shared, so compare builds by alternating runs.
 * Run: `npm run build && node test/bench/datapath-loop.mjs sha256 4096` — the arguments are a
 * workload name of cmd/bench/workloads.ts (sha256, hmac-sha256, aes-256-gcm-enc,
 * aes-128-cbc-enc, …), the buffer size in bytes, and `nostats` to run without the collector.
 * DATAPATH_DIST=<dir> measures another build (for instance a copy of dist/ from before a change).
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const D = process.env.DATAPATH_DIST !== undefined ? pathToFileURL(process.env.DATAPATH_DIST.replace(/\/?$/, '/')) : new URL('../../dist/', import.meta.url);
const load = (path) => import(new URL(path, D).href);
const { createCryptoBackend } = await load('device-core/src/backends/index.js');
const { CryptoDevice } = await load('device-core/src/crypto/device.js');
const { createLoopbackQueue } = await load('device-core/src/testing/loopback-queue.js');
const { layOut, sessionInput } = await load('device-core/src/testing/request-builder.js');
const { DeviceStatsCollector } = await load('pkg/metrics/index.js');
const { workload } = await load('cmd/bench/workloads.js');

const SIZE = 256;
const DEPTH = 32;
const { ring, queue, place } = createLoopbackQueue(256 << 20, SIZE);
const stats = process.argv[4] === 'nostats' ? undefined : new DeviceStatsCollector([]);
const device = new CryptoDevice({ backend: createCryptoBackend('software'), maxDataQueues: 1, maxSessions: 16, maxSize: 4 << 20, stats });

const alg = process.argv[2] || 'sha256';
const size = +(process.argv[3] || 4096);
const w = workload(alg);
const created = layOut(w.session, 'per-field');
device.handleControlRequest(created);
const { sessionId } = sessionInput(created);
const src = randomBytes(size);
const chains = Array.from({ length: DEPTH }, () => place(layOut(w.request(sessionId, src), 'per-field')));

function roundTrip() {
  for (const c of chains) ring.add(c, false);
  for (;;) {
    const r = queue.pop();
    if (r === null) break;
    queue.pushUsed(r.chain.head, device.handleDataRequest(r.chain));
  }
  queue.flushUsed();
  ring.harvest();
}

const T = 3000;
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < T / 3) {
    roundTrip();
    n++;
  }
  const dev = ((performance.now() - t0) * 1000) / (n * DEPTH);
  t0 = performance.now();
  n = 0;
  while (performance.now() - t0 < T / 3) {
    for (let i = 0; i < DEPTH; i++) w.ceiling(src);
    n++;
  }
  const ceil = ((performance.now() - t0) * 1000) / (n * DEPTH);
  console.log(`${alg} ${size}: device ${dev.toFixed(2)} µs/req, ceiling ${ceil.toFixed(2)} µs/op, overhead ${(dev - ceil).toFixed(2)}`);
}
