// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { DeviceStatsCollector, mergeDeviceStats } from './device-stats.js';

const req = (status: string, bytes: number, seconds: number) => ({ service: 'cipher', operation: 'encrypt', algorithm: 'aes-cbc', status, bytesIn: bytes, bytesOut: bytes, seconds });

describe('mergeDeviceStats', () => {
  it('adds the workers’ requests and latency to the main thread’s and keeps its sessions and frontend', () => {
    const main = new DeviceStatsCollector([{ algorithm: 'aes-cbc', backend: 'software', driver: 'openssl', hardware: false }]);
    main.onFrontend(true);
    main.onSession({ event: 'created', algorithm: 'aes-cbc', active: 1 });
    main.onQueueDepth(2, 1);
    const w0 = new DeviceStatsCollector();
    const w1 = new DeviceStatsCollector();
    w0.onRequest(req('OK', 64, 0.00001));
    w0.onRequest(req('OK', 64, 0.001));
    w0.onQueueDepth(0, 5);
    w1.onRequest(req('OK', 32, 0.00001));
    w1.onRequest(req('INVSESS', 0, 0.00001));
    w1.onQueueDepth(1, 3);
    const m = mergeDeviceStats(main.snapshot(), [w0.snapshot(), w1.snapshot()]);
    expect(m.requests.map((r) => [r.status, r.requests, r.bytesIn]).sort()).toEqual([
      ['INVSESS', 1, 0],
      ['OK', 3, 160],
    ]);
    const lat = m.latency[0]!;
    expect(lat.count).toBe(4);
    expect(lat.buckets[lat.buckets.length - 1]).toBe(4);
    expect(lat.sum).toBeCloseTo(0.00103, 8);
    expect(m.queueDepth).toEqual({ '0': 5, '1': 3, '2': 1 });
    expect(m.sessionEvents).toEqual({ created: 1, destroyed: 0, failed: 0 });
    expect([m.frontendConnected, m.frontendConnects, m.backendAlgorithms.length]).toEqual([1, 1, 1]);
  });

  it('returns the main thread’s snapshot as it is when there are no workers', () => {
    const main = new DeviceStatsCollector();
    main.onRequest(req('OK', 16, 0.00001));
    const s = main.snapshot();
    expect(mergeDeviceStats(s, [])).toBe(s);
  });
});
