// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { DeviceStatsCollector, mergeDeviceStats, type DeviceStatsSnapshot } from '../../pkg/metrics/index.js';
import { WorkerStatsLedger, isWorkerStatsReply, type WorkerStatsReply } from './worker-stats.js';

function served(n: number, depth?: number): DeviceStatsSnapshot {
  const c = new DeviceStatsCollector();
  for (let i = 0; i < n; i++) c.onRequest({ service: 'hash', operation: 'hash', algorithm: 'sha256', status: 'OK', bytesIn: 64, bytesOut: 32, seconds: 0.00001 });
  if (depth !== undefined) c.onQueueDepth(0, depth);
  return c.snapshot();
}

const reply = (incarnation: string, n: number, depth?: number): WorkerStatsReply => ({ incarnation, stats: served(n, depth) });

/** What a scrape reports: the main thread (no requests of its own here) plus the ledger's parts. */
function total(ledger: WorkerStatsLedger, answers: (WorkerStatsReply | undefined)[]): { requests: number; bytesIn: number; latencyCount: number; depth: Record<string, number> } {
  const m = mergeDeviceStats(new DeviceStatsCollector().snapshot(), ledger.parts(answers));
  return {
    requests: m.requests.reduce((a, r) => a + r.requests, 0),
    bytesIn: m.requests.reduce((a, r) => a + r.bytesIn, 0),
    latencyCount: m.latency.reduce((a, l) => a + l.count, 0),
    depth: m.queueDepth,
  };
}

describe('WorkerStatsLedger', () => {
  it('never lets the summed counters step down when a worker dies and is replaced', () => {
    const ledger = new WorkerStatsLedger(2);
    expect(total(ledger, [reply('a', 10, 4), reply('b', 5)]).requests).toBe(15);
    // Worker 0 died: it cannot answer, its last snapshot stands in.
    const dead = total(ledger, [undefined, reply('b', 7)]);
    expect(dead).toMatchObject({ requests: 17, bytesIn: 17 * 64, latencyCount: 17 });
    // A queue depth is a gauge of a live worker: a dead one reports none.
    expect(dead.depth).toEqual({});
    // Its replacement starts from zero; the old worker's 10 are kept.
    expect(total(ledger, [reply('c', 0), reply('b', 7)]).requests).toBe(17);
    expect(total(ledger, [reply('c', 3, 2), reply('b', 9)])).toMatchObject({ requests: 22, latencyCount: 22, depth: { '0': 2 } });
    // A second replacement folds the first one's 3 in beside the original 10.
    expect(total(ledger, [reply('d', 1), reply('b', 9)]).requests).toBe(10 + 3 + 1 + 9);
  });

  it('counts a worker that never answered as nothing, and one answer per incarnation once', () => {
    const ledger = new WorkerStatsLedger(2);
    expect(total(ledger, [undefined, undefined]).requests).toBe(0);
    expect(total(ledger, [reply('a', 4), undefined]).requests).toBe(4);
    expect(total(ledger, [reply('a', 4), undefined]).requests).toBe(4);
  });

  it('tells a worker reply from anything else', () => {
    expect(isWorkerStatsReply(reply('a', 1))).toBe(true);
    expect(isWorkerStatsReply(served(1))).toBe(false);
    expect(isWorkerStatsReply(undefined)).toBe(false);
    expect(isWorkerStatsReply({ incarnation: 'a', stats: null })).toBe(false);
  });
});
