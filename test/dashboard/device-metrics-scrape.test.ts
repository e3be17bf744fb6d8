// SPDX-License-Identifier: Apache-2.0
/**
 * Metric completeness of a real `vcrypto device --metrics-port` after one round of load through
 * the project's frontend (no Prometheus needed, so this runs everywhere): every device metric
 * family pkg/metrics defines has samples, and the ones the dashboard and alerts read carry the
 * labels and values the load must have produced (every service, failing statuses, a refused
 * session, a connect, the depth of the data and control queues, software backend per algorithm).
 * The `--stats-file` the device writes carries the same numbers, and a clean stop removes it.
 * With promtool installed (test/dashboard/setup.sh), the scrape also passes `promtool check metrics`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { DEVICE_METRICS, readDeviceStatsFile, registerDeviceMetrics } from '../../pkg/metrics/index.js';
import { CLI, requireBuild } from '../integration/node-agent-support.js';
import { CliProcess } from './cli-process.js';
import { loadRound } from './load.js';
import { missingTools, promtoolCheckMetrics } from './prometheus.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (enough of the format for our own output). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

describe('vcrypto device --metrics-port after load', () => {
  let dir: string;
  let device: CliProcess;
  let text = '';
  let samples: Sample[] = [];
  let statsFile = '';
  const failures: string[] = [];

  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'vcrypto-devmetrics-'));
    const socket = join(dir, 'vhost.sock');
    statsFile = join(dir, 'stats.json');
    device = new CliProcess(CLI, ['device', '--socket', socket, '--metrics-port', '0', '--stats-file', statsFile]);
    const target = await device.endpoint('Serving metrics');
    await loadRound(socket, failures);
    const res = await fetch(`http://${target}/metrics`);
    text = await res.text();
    samples = parseExposition(text);
  });

  afterAll(async () => {
    await device.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const of = (name: string): Sample[] => samples.filter((s) => s.name === name || s.name.startsWith(`${name}_`));
  const values = (name: string, label: string): string[] => [...new Set(of(name).map((s) => s.labels[label] ?? ''))].sort();

  it('has samples for every device metric family', () => {
    expect(failures).toEqual([]);
    expect(DEVICE_METRICS.map((m) => m.name).filter((n) => of(n).length === 0)).toEqual([]);
  });

  it('counts requests of every service, with failing statuses, and their bytes both ways', () => {
    expect(values('vcrypto_device_requests_total', 'service')).toEqual(['aead', 'akcipher', 'cipher', 'hash', 'mac']);
    expect(values('vcrypto_device_requests_total', 'status')).toEqual(expect.arrayContaining(['BADMSG', 'INVSESS', 'KEY_REJECTED', 'OK']));
    expect(values('vcrypto_device_request_bytes_total', 'direction')).toEqual(['in', 'out']);
    const ok = of('vcrypto_device_requests_total').filter((s) => s.labels['status'] === 'OK').reduce((a, s) => a + s.value, 0);
    const counted = of('vcrypto_device_request_duration_seconds_count').reduce((a, s) => a + s.value, 0);
    expect(ok).toBeGreaterThan(0);
    expect(counted).toBeGreaterThanOrEqual(ok);
  });

  it('reports sessions created, destroyed and refused, the connect, the queue depths and the backend', () => {
    const events = Object.fromEntries(of('vcrypto_device_session_operations_total').map((s) => [s.labels['event'], s.value]));
    expect(events['created']).toBeGreaterThan(0);
    expect(events['destroyed']).toBeGreaterThan(0);
    expect(events['failed']).toBeGreaterThanOrEqual(1);
    expect(of('vcrypto_device_frontend_connects_total')[0]?.value).toBe(1);
    // Data queue 0 and the control queue (index 1 with one data queue).
    expect(values('vcrypto_device_virtqueue_depth', 'queue')).toEqual(['0', '1']);
    expect(values('vcrypto_device_backend_info', 'backend')).toEqual(['software']);
    expect(values('vcrypto_device_backend_info', 'hardware')).toEqual(['false']);
  });

  it('passes promtool check metrics', (ctx) => {
    const missing = missingTools();
    if (missing !== undefined) ctx.skip(missing);
    expect(promtoolCheckMetrics(text)).toEqual({ ok: true, output: '' });
  });

  it('writes the same numbers to --stats-file, and removes the file on a clean stop', async () => {
    const scraped = samples.filter((s) => s.name.startsWith('vcrypto_device_')).map((s) => ({ ...s, labels: Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== 'component')) }));
    // The file is rewritten every second: wait for the write that follows the load.
    let fromFile: Sample[] = [];
    const deadline = Date.now() + 10_000;
    for (;;) {
      const read = readDeviceStatsFile(statsFile);
      if (read.ok) {
        const r = new Registry();
        registerDeviceMetrics(r, () => [{ labels: {}, snapshot: read.snapshot }]);
        fromFile = parseExposition(await r.metrics());
        if (JSON.stringify(fromFile) === JSON.stringify(scraped) || Date.now() > deadline) break;
      } else if (Date.now() > deadline) throw new Error(read.message);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(fromFile).toEqual(scraped);
    await device.stop();
    expect(existsSync(statsFile)).toBe(false);
  });
});
