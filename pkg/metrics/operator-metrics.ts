// SPDX-License-Identifier: Apache-2.0
/**
 * Operator metrics: reconciles by result, reconcile duration, pools by condition, leader (0/1).
 * The operator calls the returned recorder; this file is the only place these names are defined.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface OperatorMetrics {
  reconciled(kind: string, result: 'success' | 'requeue' | 'error', seconds: number): void;
  setPoolConditions(counts: Record<string, number>): void;
  setLeader(leader: boolean): void;
}

export function createOperatorMetrics(registry: Registry): OperatorMetrics {
  const reconciles = new Counter({
    name: 'vcrypto_operator_reconciles_total',
    help: 'Reconciles by kind and result (success, requeue, error).',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vcrypto_operator_reconcile_duration_seconds',
    help: 'Time one reconcile took.',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const pools = new Gauge({
    name: 'vcrypto_operator_pools',
    help: 'VirtioCryptoDevice pools whose condition (Available, Progressing, Degraded) is True.',
    labelNames: ['condition'],
    registers: [registry],
  });
  const leader = new Gauge({ name: 'vcrypto_operator_leader', help: '1 while this operator replica holds the leader lease, else 0.', registers: [registry] });
  leader.set(0);
  return {
    reconciled: (kind, result, seconds) => {
      reconciles.inc({ kind, result });
      duration.observe({ kind }, seconds);
    },
    setPoolConditions: (counts) => {
      for (const [condition, n] of Object.entries(counts)) pools.set({ condition }, n);
    },
    setLeader: (isLeader) => leader.set(isLeader ? 1 : 0),
  };
}
