// SPDX-License-Identifier: Apache-2.0
/**
 * The device metrics in Prometheus form: registers collectors on a prom-client Registry that
 * read DeviceStatsSnapshots at scrape time — one snapshot for a standalone device, or many with
 * pool/slot labels in the node agent. Names follow Prometheus conventions: vcrypto_ prefix,
 * base units, _total on counters, no session ids. The only place device metrics are named.
 */
import type { Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, type DeviceStatsSnapshot } from './device-stats.js';

/** One source of device stats and the labels that tell it apart (pool, slot, node). */
export interface LabelledSnapshot {
  readonly labels: Record<string, string>;
  readonly snapshot: DeviceStatsSnapshot;
}

type Value = { value: number; labels: Record<string, string | number>; metricName?: string };
type Collected = { name: string; help: string; type: 'counter' | 'gauge' | 'histogram'; values: Value[]; aggregator: 'sum' };

interface MetricDef {
  readonly name: string;
  readonly help: string;
  readonly type: Collected['type'];
  readonly values: (s: LabelledSnapshot) => Value[];
}

export const DEVICE_METRICS: readonly MetricDef[] = [
  {
    name: 'vcrypto_device_requests_total',
    help: 'Data requests completed by the device, by service, operation, algorithm and virtio status.',
    type: 'counter',
    values: ({ labels, snapshot }) =>
      snapshot.requests.map((r) => ({ value: r.requests, labels: { ...labels, service: r.service, operation: r.operation, algorithm: r.algorithm, status: r.status } })),
  },
  {
    name: 'vcrypto_device_request_bytes_total',
    help: 'Payload bytes the device read from (in) and wrote to (out) guest requests.',
    type: 'counter',
    values: ({ labels, snapshot }) =>
      snapshot.requests.flatMap((r) => [
        { value: r.bytesIn, labels: { ...labels, service: r.service, operation: r.operation, algorithm: r.algorithm, status: r.status, direction: 'in' } },
        { value: r.bytesOut, labels: { ...labels, service: r.service, operation: r.operation, algorithm: r.algorithm, status: r.status, direction: 'out' } },
      ]),
  },
  {
    name: 'vcrypto_device_request_duration_seconds',
    help: 'Device-side time to parse, compute and complete one data request.',
    type: 'histogram',
    values: ({ labels, snapshot }) =>
      snapshot.latency.flatMap((l) => {
        const base = { ...labels, service: l.service, algorithm: l.algorithm };
        const bounds = [...LATENCY_BUCKETS_SECONDS.map(String), '+Inf'];
        return [
          ...bounds.map((le, i) => ({ value: l.buckets[i] ?? l.count, labels: { ...base, le }, metricName: 'vcrypto_device_request_duration_seconds_bucket' })),
          { value: l.sum, labels: base, metricName: 'vcrypto_device_request_duration_seconds_sum' },
          { value: l.count, labels: base, metricName: 'vcrypto_device_request_duration_seconds_count' },
        ];
      }),
  },
  {
    name: 'vcrypto_device_sessions_active',
    help: 'Crypto sessions currently open on the device.',
    type: 'gauge',
    values: ({ labels, snapshot }) => [{ value: snapshot.sessionsActive, labels }],
  },
  {
    name: 'vcrypto_device_session_operations_total',
    help: 'Session creations, destructions and failed creations.',
    type: 'counter',
    values: ({ labels, snapshot }) =>
      (['created', 'destroyed', 'failed'] as const).map((event) => ({ value: snapshot.sessionEvents[event], labels: { ...labels, event } })),
  },
  {
    name: 'vcrypto_device_frontend_connected',
    help: '1 while a vhost-user frontend (a VM) is connected to the device, else 0.',
    type: 'gauge',
    values: ({ labels, snapshot }) => [{ value: snapshot.frontendConnected, labels }],
  },
  {
    name: 'vcrypto_device_frontend_connects_total',
    help: 'vhost-user frontends that connected to the device.',
    type: 'counter',
    values: ({ labels, snapshot }) => [{ value: snapshot.frontendConnects, labels }],
  },
  {
    name: 'vcrypto_device_virtqueue_depth',
    help: 'Requests waiting in a virtqueue when the device last drained it.',
    type: 'gauge',
    values: ({ labels, snapshot }) => Object.entries(snapshot.queueDepth).map(([queue, v]) => ({ value: v, labels: { ...labels, queue } })),
  },
  {
    name: 'vcrypto_device_backend_info',
    help: 'Which backend and driver computes each advertised algorithm (1 per algorithm); hardware="true" for accelerators.',
    type: 'gauge',
    values: ({ labels, snapshot }) =>
      snapshot.backendAlgorithms.map((a) => ({ value: 1, labels: { ...labels, algorithm: a.algorithm, backend: a.backend, driver: a.driver, hardware: String(a.hardware) } })),
  },
];

/** Registers the device metrics on `registry`, reading `sources()` at every scrape. */
export function registerDeviceMetrics(registry: Registry, sources: () => LabelledSnapshot[]): void {
  for (const def of DEVICE_METRICS) {
    const metric = {
      name: def.name,
      help: def.help,
      type: def.type,
      aggregator: 'sum' as const,
      get: async (): Promise<Collected> => ({
        name: def.name,
        help: def.help,
        type: def.type,
        aggregator: 'sum',
        values: sources().flatMap((s) => def.values(s)),
      }),
      reset: () => undefined,
    };
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }
}
