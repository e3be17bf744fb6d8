// SPDX-License-Identifier: Apache-2.0
/**
 * pkg/metrics: the only importer of prom-client.
 * - device-stats.ts: cheap per-request counters in the device process, JSON snapshots
 * - device-metrics.ts: device metric names and their exposition from snapshots
 * - device-stats-file.ts: the snapshot file a device writes for its node agent
 * - server.ts: /metrics and /healthz over HTTP
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

export { DeviceStatsCollector, LATENCY_BUCKETS_SECONDS, mergeDeviceStats, type DeviceStatsSnapshot } from './device-stats.js';
export { registerDeviceMetrics, DEVICE_METRICS, type LabelledSnapshot } from './device-metrics.js';
export { readDeviceStatsFile, writeDeviceStatsFile, type StatsFileRead } from './device-stats-file.js';
export { serveMetrics, type MetricsServer } from './server.js';

/** A fresh registry with the process metrics (CPU, RSS, event loop) under the vcrypto_ prefix. */
export function createRegistry(component: string): Registry {
  const r = new Registry();
  r.setDefaultLabels({ component });
  collectDefaultMetrics({ register: r, prefix: 'vcrypto_process_' });
  // prom-client names these gauges *_total, which Prometheus reserves for counters.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    r.removeSingleMetric(`vcrypto_process_${name}`);
  }
  return r;
}
export type { Registry };
export { registerAgentMetrics, type AgentStats } from './agent-metrics.js';
export { createOperatorMetrics, type OperatorMetrics } from './operator-metrics.js';
