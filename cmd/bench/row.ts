// SPDX-License-Identifier: Apache-2.0
/**
 * One benchmark row: the ceiling loop and the device run alternate in a few rounds (so both see
 * the same noise on a shared machine), their figures summed, and turned into a Row: throughput,
 * latency quantiles at depth 1, CPU seconds per GB of the device (from /proc) and of the ceiling
 * (process.cpuUsage), and the ratios. Knows nothing of processes beyond a CPU-time reader.
 */
import type { PreparedRequest, VhostUserFrontend } from '../../device-core/src/index.js';
import { ceilingRun, drive, quantile } from './drive.js';
import type { Row } from './results.js';

export interface RowSpec {
  /** What the row is, for error messages (as the progress line names it). */
  readonly what: string;
  readonly mode: Row['mode'];
  readonly algorithm: string;
  readonly sizeBytes: number;
  readonly depth: number;
  readonly queues: number;
  readonly durationMs: number;
  readonly prepared: readonly (readonly PreparedRequest[])[];
  readonly ceilingOp: () => void;
  readonly opensslMbPerSecond: number | null;
}

/** Rounds per row: enough to interleave, few enough that each slice is long next to a timer tick. */
const roundsFor = (durationMs: number): number => Math.max(1, Math.min(4, Math.floor(durationMs / 250)));

export async function measureRow(f: VhostUserFrontend, deviceCpuSeconds: () => number, s: RowSpec): Promise<Row> {
  const rounds = roundsFor(s.durationMs);
  let requests = 0;
  let seconds = 0;
  let kicks = 0;
  let calls = 0;
  let maxInFlight = 0;
  let cpu = 0;
  let ceilOps = 0;
  let ceilSeconds = 0;
  let ceilCpu = 0;
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const c = ceilingRun(s.ceilingOp, s.durationMs / 2 / rounds);
    ceilOps += c.ops;
    ceilSeconds += c.seconds;
    ceilCpu += c.cpuSeconds;
    const cpu0 = deviceCpuSeconds();
    const r = await drive(f, { what: s.what, prepared: s.prepared, durationMs: s.durationMs / rounds, recordLatency: s.depth === 1 });
    cpu += deviceCpuSeconds() - cpu0;
    requests += r.requests;
    seconds += r.seconds;
    kicks += r.kicks;
    calls += r.calls;
    maxInFlight = Math.max(maxInFlight, r.maxInFlight);
    for (const l of r.latenciesUs) latencies.push(l);
  }
  const opsPerSecond = requests / seconds;
  const ceilingOpsPerSecond = ceilOps / ceilSeconds;
  const gb = (n: number): number => (n * s.sizeBytes) / 1e9;
  const deviceCpuSecondsPerGB = requests === 0 ? 0 : cpu / gb(requests);
  const ceilingCpuSecondsPerGB = ceilCpu / gb(ceilOps);
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  return {
    mode: s.mode,
    algorithm: s.algorithm,
    sizeBytes: s.sizeBytes,
    depth: s.depth,
    queues: s.queues,
    requests,
    seconds,
    device: { opsPerSecond, mbPerSecond: (opsPerSecond * s.sizeBytes) / 1e6 },
    latencyUs: p50 !== undefined && p99 !== undefined ? { p50, p99 } : null,
    deviceCpuSecondsPerGB,
    deviceBusy: cpu / seconds,
    ceiling: { opsPerSecond: ceilingOpsPerSecond, mbPerSecond: (ceilingOpsPerSecond * s.sizeBytes) / 1e6, cpuSecondsPerGB: ceilingCpuSecondsPerGB },
    ratio: opsPerSecond / ceilingOpsPerSecond,
    cpuRatio: deviceCpuSecondsPerGB === 0 ? null : ceilingCpuSecondsPerGB / deviceCpuSecondsPerGB,
    opensslMbPerSecond: s.opensslMbPerSecond,
    requestsPerKick: kicks === 0 ? null : requests / kicks,
    requestsPerCall: calls === 0 ? null : requests / calls,
    maxInFlight,
  };
}
