// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDeviceMetrics } from './device-metrics.js';
import { readDeviceStatsFile, writeDeviceStatsFile } from './device-stats-file.js';
import { DeviceStatsCollector } from './device-stats.js';

describe('device-stats file', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'vcrypto-statsfile-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('carries a snapshot to a reader that exposes the same series as the device itself', async () => {
    const c = new DeviceStatsCollector([{ algorithm: 'aes-cbc', backend: 'software', driver: 'openssl', hardware: false }]);
    c.onFrontend(true);
    c.onSession({ event: 'created', algorithm: 'aes-cbc', active: 1 });
    c.onRequest({ service: 'cipher', operation: 'encrypt', algorithm: 'aes-cbc', status: 'OK', bytesIn: 64, bytesOut: 64, seconds: 0.00003 });
    c.onRequest({ service: 'cipher', operation: 'encrypt', algorithm: 'aes-cbc', status: 'INVSESS', bytesIn: 0, bytesOut: 0, seconds: 0.000001 });
    c.onQueueDepth(0, 2);
    const dir = tmp();
    const file = join(dir, '0.stats.json');
    writeDeviceStatsFile(file, c.snapshot());
    expect(readdirSync(dir)).toEqual(['0.stats.json']);
    const read = readDeviceStatsFile(file);
    if (!read.ok) throw new Error(read.message);
    const expose = async (snapshot: typeof read.snapshot): Promise<string> => {
      const r = new Registry();
      registerDeviceMetrics(r, () => [{ labels: { pool: 'p', node: 'n', slot: '0' }, snapshot }]);
      return r.metrics();
    };
    expect(await expose(read.snapshot)).toBe(await expose(c.snapshot()));
    expect(await expose(read.snapshot)).toContain('vcrypto_device_virtqueue_depth{pool="p",node="n",slot="0",queue="0"} 2');
  });

  it('tells a missing file from one that is not a snapshot', () => {
    const dir = tmp();
    expect(readDeviceStatsFile(join(dir, 'none.json'))).toMatchObject({ ok: false, reason: 'missing' });
    writeFileSync(join(dir, 'half.json'), '{"requests": [');
    expect(readDeviceStatsFile(join(dir, 'half.json'))).toMatchObject({ ok: false, reason: 'invalid' });
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ requests: [], sessionsActive: -1 }));
    const wrong = readDeviceStatsFile(join(dir, 'wrong.json'));
    expect(wrong).toMatchObject({ ok: false, reason: 'invalid' });
    expect(wrong.ok ? '' : wrong.message).toMatch(/not a device-stats snapshot/);
  });
});
