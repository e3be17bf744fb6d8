// SPDX-License-Identifier: Apache-2.0
/**
 * Node-agent metrics: slots by state, device-process restarts, kubelet registrations and
 * Allocate calls. The agent reads its supervisor and device plugin through the small AgentStats
 * interface at scrape time; this file is the only place these names are defined.
 */
import type { Registry } from 'prom-client';

export interface AgentStats {
  readonly pool: string;
  readonly node: string;
  /** The backend the pool asks for: auto, software or kernel. */
  readonly backend: string;
  /** Slots by state: healthy, unhealthy, allocated (allocated slots are also healthy or not). */
  slotsByState(): Record<'healthy' | 'unhealthy' | 'allocated', number>;
  deviceRestarts(): number;
  kubeletRegistrations(): number;
  allocateCalls(): { ok: number; failed: number };
}

type Value = { value: number; labels: Record<string, string> };

function collector(name: string, help: string, type: 'counter' | 'gauge', values: () => Value[]) {
  return {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }),
    reset: () => undefined,
  };
}

export function registerAgentMetrics(registry: Registry, sources: () => readonly AgentStats[]): void {
  const base = (s: AgentStats): Record<string, string> => ({ pool: s.pool, node: s.node });
  const metrics = [
    collector('vcrypto_agent_pool_backend_info', 'The backend a pool asks for on this node (1 per pool): auto, software or kernel.', 'gauge', () =>
      sources().map((s) => ({ value: 1, labels: { ...base(s), backend: s.backend } })),
    ),
    collector('vcrypto_agent_slots', 'Device slots of the pool on this node by state (healthy, unhealthy, allocated).', 'gauge', () =>
      sources().flatMap((s) => Object.entries(s.slotsByState()).map(([state, value]) => ({ value, labels: { ...base(s), state } }))),
    ),
    collector('vcrypto_agent_device_restarts_total', 'Device processes the agent restarted after they exited.', 'counter', () =>
      sources().map((s) => ({ value: s.deviceRestarts(), labels: base(s) })),
    ),
    collector('vcrypto_agent_kubelet_registrations_total', 'Successful registrations of the device plugin with the kubelet.', 'counter', () =>
      sources().map((s) => ({ value: s.kubeletRegistrations(), labels: base(s) })),
    ),
    collector('vcrypto_agent_allocate_calls_total', 'Allocate calls from the kubelet by result (ok, failed).', 'counter', () =>
      sources().flatMap((s) => {
        const a = s.allocateCalls();
        return [
          { value: a.ok, labels: { ...base(s), result: 'ok' } },
          { value: a.failed, labels: { ...base(s), result: 'failed' } },
        ];
      }),
    ),
  ];
  for (const m of metrics) registry.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
}
