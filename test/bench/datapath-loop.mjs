// SPDX-License-Identifier: Apache-2.0
/**
 * The device's own per-request CPU cost on the datapath, in one process: the real SplitQueue and
 * CryptoDevice (software backend, a DeviceStatsCollector attached) from dist/ serve 32 prepared
 * requests per round trip from a DriverRing in a GuestArena, and each row prints the µs per
 * request of that device path next to the bare node:crypto operation on the same bytes (the
 * workload's ceiling from cmd/bench/workloads). "overhead" is the difference: what the queue
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
const { GuestMemory } = await load('device-core/src/memory/guest-memory.js');
const { availRingBytes, usedRingBytes } = await load('device-core/src/spec/virtio.js');
const { DriverRing } = await load('device-core/src/testing/driver-ring.js');
const { FRONTEND_UADDR_BASE, GuestArena } = await load('device-core/src/testing/guest-arena.js');
const { layOut, sessionInput } = await load('device-core/src/testing/request-builder.js');
const { SplitQueue } = await load('device-core/src/virtqueue/split-queue.js');
const { DeviceStatsCollector } = await load('pkg/metrics/index.js');
const { workload } = await load('cmd/bench/workloads.js');

const SIZE = 256;
const DEPTH = 32;
const arena = new GuestArena(256 << 20);
const ring = new DriverRing(arena, SIZE);
arena.sealRings();
const memory = new GuestMemory([{ guestPhysAddr: 0, sizeBytes: arena.sizeBytes, userspaceAddr: FRONTEND_UADDR_BASE, bytes: arena.bytes }]);
const queue = new SplitQueue({
  memory,
  size: SIZE,
  desc: arena.view(ring.descGpa, 16 * SIZE),
  avail: arena.view(ring.availGpa, availRingBytes(SIZE)),
  used: arena.view(ring.usedGpa, usedRingBytes(SIZE)),
  eventIdx: true,
});
const stats = process.argv[4] === 'nostats' ? undefined : new DeviceStatsCollector([]);
const device = new CryptoDevice({ backend: createCryptoBackend('software'), maxDataQueues: 1, maxSessions: 16, maxSize: 4 << 20, stats });

/** Copies a laid-out request's views into pinned guest buffers; returns the chain's descriptors. */
function place(req) {
  const bufs = [];
  for (const [views, writable] of [
    [req.readable, false],
    [req.writable, true],
  ]) {
    for (const v of views) {
      const gpa = arena.allocPinned(Math.max(1, v.length));
      arena.view(gpa, v.length).set(v);
      bufs.push({ gpa, len: v.length, writable });
    }
  }
  return bufs;
}

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
