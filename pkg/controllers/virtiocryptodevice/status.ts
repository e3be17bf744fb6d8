// SPDX-License-Identifier: Apache-2.0
/**
 * Pure status computation for a VirtioCryptoDevice: which nodes the pool selects (node selector
 * and taints against tolerations, as the DaemonSet controller schedules), which other pools
 * claim the same extended resource on a shared node, and the status (node and slot counts,
 * per-node capabilities, Available/Progressing/Degraded conditions with reasons, lastTransitionTime
 * kept while a condition's status holds). No I/O, no clock: `now` is a parameter.
 */
import type { DeviceCondition, Toleration, VirtioCryptoDeviceSpec, VirtioCryptoDeviceStatus, VirtioCryptoNodeState } from '../../api/index.js';
import { CONDITION, REASON } from './conditions.js';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === '') return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** Nodes a DaemonSet with this node selector and these tolerations runs on (sorted names). */
export function selectedNodes(spec: Pick<VirtioCryptoDeviceSpec, 'nodeSelector' | 'tolerations'>, nodes: readonly NodeInfo[]): string[] {
  return nodes
    .filter((n) => Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => n.labels[k] === v))
    .filter((n) => n.taints.every((taint) => taint.effect === 'PreferNoSchedule' || (spec.tolerations ?? []).some((t) => tolerates(t, taint))))
    .map((n) => n.name)
    .sort();
}

export interface Observed {
  readonly generation: number;
  readonly desiredNodes: readonly string[];
  /** This pool's node states on desired nodes. */
  readonly states: readonly VirtioCryptoNodeState[];
  /** Other pools advertising the same resource name on one of the desired nodes. */
  readonly conflictingPools: readonly string[];
  readonly resourceName: string;
  /** Set when the spec failed validation: the status then only says so. */
  readonly specError?: string;
  /** Agent pods still on an older DaemonSet template (see outdatedAgents); 0 or unset: none known. */
  readonly outdatedAgents?: number;
}

/**
 * Agent pods of a DaemonSet that run an older template: desired minus updated, once the
 * DaemonSet controller has seen the current generation (before that its counts describe the old
 * one). With the OnDelete strategy they stay outdated until someone deletes them.
 */
export function outdatedAgents(daemonSet: { metadata: { generation?: number }; status?: unknown }): number {
  const s = daemonSet.status as { observedGeneration?: number; desiredNumberScheduled?: number; updatedNumberScheduled?: number } | undefined;
  if (s?.observedGeneration === undefined || s.observedGeneration !== daemonSet.metadata.generation) return 0;
  return Math.max(0, (s.desiredNumberScheduled ?? 0) - (s.updatedNumberScheduled ?? 0));
}

type ConditionType = DeviceCondition['type'];

function condition(type: ConditionType, ok: boolean, reason: string, message: string, generation: number, previous: readonly DeviceCondition[], now: string): DeviceCondition {
  const status = ok ? 'True' : 'False';
  const before = previous.find((c) => c.type === type);
  const lastTransitionTime = before !== undefined && before.status === status ? before.lastTransitionTime : now;
  return { type, status, reason, message, lastTransitionTime, observedGeneration: generation };
}

export function computeStatus(o: Observed, previous: VirtioCryptoDeviceStatus | undefined, now: string): VirtioCryptoDeviceStatus {
  const prev = previous?.conditions ?? [];
  const g = o.generation;
  if (o.specError !== undefined) {
    return {
      ...previous,
      observedGeneration: g,
      conditions: [
        condition(CONDITION.available, false, REASON.invalidSpec, 'the spec is invalid, nothing was changed', g, prev, now),
        condition(CONDITION.progressing, false, REASON.invalidSpec, 'the spec is invalid, nothing was changed', g, prev, now),
        condition(CONDITION.degraded, true, REASON.invalidSpec, o.specError, g, prev, now),
      ],
    };
  }
  const slots = o.states.flatMap((s) => s.status?.slots ?? []);
  const readyNodes = o.states.filter((s) => (s.status?.slots ?? []).some((x) => x.health === 'Healthy')).length;
  const desired = o.desiredNodes.length;
  const unhealthy = slots.filter((s) => s.health !== 'Healthy').length;
  const erroring = o.states.filter((s) => s.status?.lastError !== undefined && s.status.lastError !== '').map((s) => s.spec.nodeName);

  const available = desired === 0
    ? condition(CONDITION.available, false, REASON.noNodesSelected, 'no node matches the node selector and tolerations', g, prev, now)
    : readyNodes > 0
      ? condition(CONDITION.available, true, REASON.agentsReady, `${readyNodes} of ${desired} nodes serve healthy slots of ${o.resourceName}`, g, prev, now)
      : condition(CONDITION.available, false, REASON.noNodeReady, `none of ${desired} selected nodes serves a healthy slot yet`, g, prev, now);
  const progressing = desired === 0
    ? condition(CONDITION.progressing, false, REASON.noNodesSelected, 'no node matches the node selector and tolerations', g, prev, now)
    : readyNodes < desired
      ? condition(CONDITION.progressing, true, REASON.waitingForAgents, `${desired - readyNodes} of ${desired} nodes have no ready agent yet`, g, prev, now)
      : (o.outdatedAgents ?? 0) > 0
        ? condition(CONDITION.progressing, true, REASON.agentUpdatePending, `${o.outdatedAgents} agent pods run an older template; delete each once its node's VMs have left (update strategy OnDelete)`, g, prev, now)
        : condition(CONDITION.progressing, false, REASON.allNodesReady, `all ${desired} nodes are ready`, g, prev, now);
  const degraded = o.conflictingPools.length > 0
    ? condition(CONDITION.degraded, true, REASON.resourceNameConflict, `pools ${o.conflictingPools.join(', ')} also advertise ${o.resourceName} on a node of this pool; give each pool its own resourceName or disjoint nodes`, g, prev, now)
    : erroring.length > 0
      ? condition(CONDITION.degraded, true, REASON.agentError, `the agent reports an error on ${erroring.join(', ')}; see their VirtioCryptoNodeState`, g, prev, now)
      : unhealthy > 0
        ? condition(CONDITION.degraded, true, REASON.slotsUnhealthy, `${unhealthy} of ${slots.length} slots are unhealthy`, g, prev, now)
        : condition(CONDITION.degraded, false, REASON.asExpected, 'every reported slot is healthy', g, prev, now);

  return {
    observedGeneration: g,
    conditions: [available, progressing, degraded],
    nodes: { desired, ready: readyNodes },
    slots: { total: slots.length, healthy: slots.length - unhealthy, allocated: slots.filter((s) => s.allocated).length },
    nodeCapabilities: o.states
      .filter((s) => s.status !== undefined)
      .map((s) => ({ node: s.spec.nodeName, backend: s.status?.capabilities.backend ?? 'unknown', hardwareDriver: s.status?.capabilities.hardwareDriver ?? 'none' }))
      .sort((a, b) => (a.node < b.node ? -1 : 1)),
  };
}
