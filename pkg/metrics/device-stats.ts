// SPDX-License-Identifier: Apache-2.0
/**
 * Collects a device process's statistics in plain counters (cheap enough for the request hot
 * path: no label lookups, no prom-client calls per request) and hands out JSON-serialisable
 * snapshots. The Prometheus exposition (device-metrics.ts) reads the snapshots, in the device
 * process for `--metrics-port` and in the node agent, which merges its slots' snapshots under
 * pool and slot labels. Implements device-core's CryptoStatsSink; knows nothing of prom-client.
 */
import type { CryptoStatsSink } from '../../device-core/src/index.js';

/** Upper bounds (seconds) of the device-side request latency histogram. */
export const LATENCY_BUCKETS_SECONDS = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05] as const;

export interface RequestSeries {
  service: string;
  operation: string;
  algorithm: string;
  status: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

export interface LatencySeries {
  service: string;
  algorithm: string;
  /** Cumulative counts per LATENCY_BUCKETS_SECONDS bound, then +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

export interface DeviceStatsSnapshot {
  requests: RequestSeries[];
  latency: LatencySeries[];
  sessionsActive: number;
  sessionEvents: Record<'created' | 'destroyed' | 'failed', number>;
  frontendConnected: number;
  frontendConnects: number;
  /** Requests waiting in the rings at the last drain, per queue index. */
  queueDepth: Record<string, number>;
  /** Which provider computes each advertised algorithm. */
  backendAlgorithms: { algorithm: string; backend: string; driver: string; hardware: boolean }[];
}

/** The identity of a request series (its labels) and of a latency series. */
const requestKey = (r: Pick<RequestSeries, 'service' | 'operation' | 'algorithm' | 'status'>): string => `${r.service}\u0000${r.operation}\u0000${r.algorithm}\u0000${r.status}`;
const latencyKey = (l: Pick<LatencySeries, 'service' | 'algorithm'>): string => `${l.service}\u0000${l.algorithm}`;

export class DeviceStatsCollector implements CryptoStatsSink {
  private readonly requests = new Map<string, RequestSeries>();
  private readonly latency = new Map<string, LatencySeries>();
  private sessionsActive = 0;
  private readonly sessionEvents = { created: 0, destroyed: 0, failed: 0 };
  private frontendConnected = 0;
  private frontendConnects = 0;
  private readonly queueDepth: Record<string, number> = {};

  constructor(private readonly backendAlgorithms: DeviceStatsSnapshot['backendAlgorithms'] = []) {}

  /** The series of the previous request: a run of requests alike skips building keys (hot path). */
  private last: { r: RequestSeries; l: LatencySeries } | undefined;

  onRequest(e: Parameters<CryptoStatsSink['onRequest']>[0]): void {
    const last = this.last;
    let r: RequestSeries;
    let l: LatencySeries;
    if (last !== undefined && last.r.service === e.service && last.r.operation === e.operation && last.r.algorithm === e.algorithm && last.r.status === e.status) {
      ({ r, l } = last);
    } else {
      ({ r, l } = this.seriesOf(e));
      this.last = { r, l };
    }
    r.requests++;
    r.bytesIn += e.bytesIn;
    r.bytesOut += e.bytesOut;
    let i = 0;
    while (i < LATENCY_BUCKETS_SECONDS.length && e.seconds > LATENCY_BUCKETS_SECONDS[i]!) i++;
    l.buckets[i]!++;
    l.sum += e.seconds;
    l.count++;
  }

  private seriesOf(e: Parameters<CryptoStatsSink['onRequest']>[0]): { r: RequestSeries; l: LatencySeries } {
    const key = requestKey(e);
    let r = this.requests.get(key);
    if (r === undefined) {
      r = { service: e.service, operation: e.operation, algorithm: e.algorithm, status: e.status, requests: 0, bytesIn: 0, bytesOut: 0 };
      this.requests.set(key, r);
    }
    const lkey = latencyKey(e);
    let l = this.latency.get(lkey);
    if (l === undefined) {
      l = { service: e.service, algorithm: e.algorithm, buckets: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0), sum: 0, count: 0 };
      this.latency.set(lkey, l);
    }
    return { r, l };
  }

  onSession(e: Parameters<CryptoStatsSink['onSession']>[0]): void {
    this.sessionEvents[e.event]++;
    this.sessionsActive = e.active;
  }

  onFrontend(connected: boolean): void {
    this.frontendConnected = connected ? 1 : 0;
    if (connected) this.frontendConnects++;
    else this.sessionsActive = 0;
  }

  onQueueDepth(queue: number, depth: number): void {
    this.queueDepth[String(queue)] = depth;
  }

  snapshot(): DeviceStatsSnapshot {
    return {
      requests: [...this.requests.values()].map((r) => ({ ...r })),
      // Buckets are kept per-bin; the exposition wants them cumulative.
      latency: [...this.latency.values()].map((l) => {
        let acc = 0;
        return { ...l, buckets: l.buckets.map((b) => (acc += b)) };
      }),
      sessionsActive: this.sessionsActive,
      sessionEvents: { ...this.sessionEvents },
      frontendConnected: this.frontendConnected,
      frontendConnects: this.frontendConnects,
      queueDepth: { ...this.queueDepth },
      backendAlgorithms: this.backendAlgorithms.map((a) => ({ ...a })),
    };
  }
}

/**
 * Adds the request and latency series of `parts` (a device's queue workers) to `base` (its
 * main thread, which owns sessions, the frontend and the algorithm list); queue depths are
 * taken from whichever part drained that queue. Every part's counters only grow, so the sums do.
 */
export function mergeDeviceStats(base: DeviceStatsSnapshot, parts: readonly DeviceStatsSnapshot[]): DeviceStatsSnapshot {
  if (parts.length === 0) return base;
  const requests = new Map<string, RequestSeries>();
  const latency = new Map<string, LatencySeries>();
  const queueDepth = { ...base.queueDepth };
  for (const s of [base, ...parts]) {
    for (const r of s.requests) {
      const key = requestKey(r);
      const into = requests.get(key);
      if (into === undefined) requests.set(key, { ...r });
      else {
        into.requests += r.requests;
        into.bytesIn += r.bytesIn;
        into.bytesOut += r.bytesOut;
      }
    }
    for (const l of s.latency) {
      const key = latencyKey(l);
      const into = latency.get(key);
      if (into === undefined) latency.set(key, { ...l, buckets: [...l.buckets] });
      else {
        l.buckets.forEach((b, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + b));
        into.sum += l.sum;
        into.count += l.count;
      }
    }
    if (s !== base) Object.assign(queueDepth, s.queueDepth);
  }
  return { ...base, requests: [...requests.values()], latency: [...latency.values()], queueDepth };
}
