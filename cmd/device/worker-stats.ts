// SPDX-License-Identifier: Apache-2.0
/**
 * Keeps the counters of a device's queue workers monotonic while workers die and are replaced.
 * Each worker answers a statistics request with its incarnation (a token chosen when its thread
 * started) and its own snapshot. When a slot answers with a new incarnation, the previous
 * worker's last snapshot is folded into that slot's retired totals; while a slot cannot answer,
 * its last snapshot stands in. So the summed request and latency counters never step down, and
 * Prometheus never mistakes a replacement for a counter reset. Requests a worker served after
 * the last scrape before it died are not counted. Knows nothing of threads or vhost-user.
 */
import { mergeDeviceStats, type DeviceStatsSnapshot } from '../../pkg/metrics/index.js';

/** What a queue worker answers to SNAPSHOT_REQUEST. */
export interface WorkerStatsReply {
  readonly incarnation: string;
  readonly stats: DeviceStatsSnapshot;
}

export function isWorkerStatsReply(v: unknown): v is WorkerStatsReply {
  const r = v as Partial<WorkerStatsReply> | null;
  return typeof r?.incarnation === 'string' && typeof r.stats === 'object' && r.stats !== null && Array.isArray(r.stats.requests);
}

/** A snapshot's counters only: what a dead worker leaves behind. */
function countersOf(s: DeviceStatsSnapshot): DeviceStatsSnapshot {
  return { ...s, queueDepth: {} };
}

export class WorkerStatsLedger {
  private readonly last: (WorkerStatsReply | undefined)[];
  private readonly retired: (DeviceStatsSnapshot | undefined)[];

  constructor(workers: number) {
    this.last = new Array<WorkerStatsReply | undefined>(workers).fill(undefined);
    this.retired = new Array<DeviceStatsSnapshot | undefined>(workers).fill(undefined);
  }

  /**
   * Takes slot i's answer now (undefined: the slot could not answer) and returns the snapshots
   * to add to the main thread's: per slot, its retired totals and then its live (or last) one.
   */
  parts(answers: readonly (WorkerStatsReply | undefined)[]): DeviceStatsSnapshot[] {
    const out: DeviceStatsSnapshot[] = [];
    for (let i = 0; i < this.last.length; i++) {
      const now = answers[i];
      const before = this.last[i];
      if (now !== undefined) {
        if (before !== undefined && before.incarnation !== now.incarnation) {
          const gone = countersOf(before.stats);
          const r = this.retired[i];
          this.retired[i] = r === undefined ? gone : countersOf(mergeDeviceStats(r, [gone]));
        }
        this.last[i] = now;
      }
      const r = this.retired[i];
      if (r !== undefined) out.push(r);
      if (now !== undefined) out.push(now.stats);
      else if (before !== undefined) out.push(countersOf(before.stats));
    }
    return out;
  }
}
