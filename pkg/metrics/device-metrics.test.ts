// SPDX-License-Identifier: Apache-2.0
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerDeviceMetrics } from './device-metrics.js';
import { DeviceStatsCollector } from './device-stats.js';

describe('device metrics', () => {
  it('exposes counters, a cumulative latency histogram and per-slot labels without duplicate series', async () => {
    const a = new DeviceStatsCollector([{ algorithm: 'aes-cbc', backend: 'software', driver: 'openssl', hardware: false }]);
    const b = new DeviceStatsCollector();
    for (const seconds of [0.00002, 0.0002, 0.2]) {
      a.onRequest({ service: 'cipher', operation: 'encrypt', algorithm: 'aes-cbc', status: 'OK', bytesIn: 16, bytesOut: 16, seconds });
    }
    a.onRequest({ service: 'cipher', operation: 'decrypt', algorithm: 'aes-cbc', status: 'OK', bytesIn: 32, bytesOut: 32, seconds: 0.00002 });
    a.onFrontend(true);
    b.onSession({ event: 'created', algorithm: 'aes-cbc', active: 1 });
    const r = new Registry();
    registerDeviceMetrics(r, () => [
      { labels: { pool: 'p', slot: '0' }, snapshot: a.snapshot() },
      { labels: { pool: 'p', slot: '1' }, snapshot: b.snapshot() },
    ]);
    const text = await r.metrics();
    expect(text).toContain('vcrypto_device_requests_total{pool="p",slot="0",service="cipher",operation="encrypt",algorithm="aes-cbc",status="OK"} 3');
    expect(text).toContain('vcrypto_device_request_duration_seconds_bucket{pool="p",slot="0",service="cipher",algorithm="aes-cbc",le="0.00005"} 2');
    expect(text).toContain('vcrypto_device_request_duration_seconds_bucket{pool="p",slot="0",service="cipher",algorithm="aes-cbc",le="+Inf"} 4');
    expect(text).toContain('vcrypto_device_sessions_active{pool="p",slot="1"} 1');
    expect(text).toContain('vcrypto_device_frontend_connected{pool="p",slot="0"} 1');
    const series = text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(new Set(series).size).toBe(series.length);
  });
});
