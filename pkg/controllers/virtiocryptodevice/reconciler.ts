// SPDX-License-Identifier: Apache-2.0
/**
 * Reconciles one VirtioCryptoDevice (cluster scoped, key = its name).
 * Owns: the pool-config ConfigMap and the node-agent DaemonSet in the agent namespace (owner
 * references to the CR), the deletion of VirtioCryptoNodeStates of nodes that left the pool, the
 * CR's status, and an Event when two pools claim one resource name on a node.
 * RBAC it needs (kept equal to charts/vcrypto/templates/operator-rbac.yaml by test/chart/rbac.test.ts):
 *   virtiocryptodevices: list, watch; virtiocryptodevices/status: update
 *   virtiocryptonodestates: list, watch, delete; nodes: list, watch
 *   daemonsets, configmaps (agent namespace): get, create, update; daemonsets: list, watch
 *   events (agent namespace): create
 * Steps: read from the cache (gone → done) → validate the spec → ensure owned objects (create or
 * update only when a field the operator sets differs) → observe nodes and node states → delete
 * stale node states → compute status (pure, status.ts) → write it only when it changed
 * (Conflict → quiet requeue).
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiValidationError, NODE_LABEL, POOL_LABEL, parseDevice, parseNodeState, resourceNameFor, type VirtioCryptoDevice, type VirtioCryptoDeviceStatus, type VirtioCryptoNodeState } from '../../api/index.js';
import { isAlreadyExists, isConflict, isNotFound, RESOURCES, type Informer, type KubeClient, type KubeObject, type ResourceRef } from '../../k8s/index.js';
import type { Logger } from '../../log/logger.js';
import type { ProcessResult } from '../runtime/work-queue.js';
import { REASON } from './conditions.js';
import { desiredObjects, isSubset, type AgentOptions } from './desired.js';
import { computeStatus, outdatedAgents, selectedNodes, type NodeInfo, type Taint } from './status.js';
import { DEVICE_RESOURCE, NODE_STATE_RESOURCE } from './resources.js';

export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly agent: AgentOptions;
  readonly devices: Informer;
  readonly nodeStates: Informer;
  readonly nodes: Informer;
  readonly log: Logger;
  readonly now?: () => Date;
}

function nodeInfo(n: KubeObject): NodeInfo {
  const taints = ((n['spec'] as { taints?: Taint[] } | undefined)?.taints ?? []);
  return { name: n.metadata.name, labels: n.metadata.labels ?? {}, taints };
}

export class VirtioCryptoDeviceReconciler {
  /** The last status this reconciler wrote per pool, with the resourceVersions around the write. */
  private readonly written = new Map<string, { before: string | undefined; after: string | undefined; status: unknown }>();

  constructor(private readonly d: ReconcilerDeps) {}

  /**
   * One pass for one pool. A write that lost a race with another writer (Conflict, AlreadyExists)
   * requeues quietly: the next pass reads afresh. Anything else is the caller's to log.
   */
  async reconcile(name: string): Promise<ProcessResult> {
    try {
      return await this.reconcileOnce(name);
    } catch (e: unknown) {
      if (!isConflict(e) && !isAlreadyExists(e)) throw e;
      this.d.log.debug('A write lost a race; reconciling again', { pool: name, err: e instanceof Error ? e.message : String(e) });
      return 'requeue';
    }
  }

  private async reconcileOnce(name: string): Promise<ProcessResult> {
    const raw = this.d.devices.get(name);
    if (raw === undefined) return 'done';
    let cr: VirtioCryptoDevice;
    try {
      cr = parseDevice(raw);
    } catch (e: unknown) {
      if (!(e instanceof ApiValidationError)) throw e;
      return this.writeStatus(raw, computeStatus({ generation: raw.metadata.generation ?? 0, desiredNodes: [], states: [], conflictingPools: [], resourceName: '', specError: e.message }, this.currentStatus(raw), this.now()));
    }
    const desired = desiredObjects(cr, this.d.agent);
    await this.ensure(RESOURCES.configMap, desired.configMap, 'data');
    const daemonSet = await this.ensure(RESOURCES.daemonSet, desired.daemonSet, 'spec');

    const nodes = this.d.nodes.list().map(nodeInfo);
    const desiredNodes = selectedNodes(cr.spec, nodes);
    const states = this.poolStates(name);
    const keep = new Set(desiredNodes);
    for (const s of states.filter((x) => !keep.has(x.spec.nodeName))) await this.deleteNodeState(s);
    const resourceName = resourceNameFor(name, cr.spec);
    const conflictingPools = this.conflictsWith(name, resourceName, keep, nodes);
    const previous = this.currentStatus(raw);
    const status = computeStatus({ generation: raw.metadata.generation ?? 0, desiredNodes, states: states.filter((s) => keep.has(s.spec.nodeName)), conflictingPools, resourceName, outdatedAgents: outdatedAgents(daemonSet) }, previous, this.now());
    const result = await this.writeStatus(raw, status);
    const wasConflict = previous?.conditions?.some((c) => c.reason === REASON.resourceNameConflict) ?? false;
    if (result === 'done' && conflictingPools.length > 0 && !wasConflict) await this.recordConflictEvent(raw, resourceName, conflictingPools);
    return result;
  }

  private now(): string {
    return (this.d.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  }

  /** Creates the object, or updates it when a field the operator sets differs; returns the object as the API server holds it. */
  private async ensure(r: ResourceRef, desired: KubeObject, body: 'spec' | 'data'): Promise<KubeObject> {
    let actual: KubeObject;
    try {
      actual = await this.d.client.get(r, desired.metadata.name, desired.metadata.namespace);
    } catch (e: unknown) {
      if (!isNotFound(e)) throw e;
      return this.create(r, desired);
    }
    const want = { metadata: { labels: desired.metadata.labels, ownerReferences: desired.metadata.ownerReferences }, [body]: desired[body] };
    if (isSubset(want, actual)) return actual;
    let written: KubeObject;
    try {
      written = await this.d.client.update(r, {
        ...actual,
        metadata: { ...actual.metadata, labels: { ...actual.metadata.labels, ...desired.metadata.labels }, ownerReferences: desired.metadata.ownerReferences ?? [] },
        [body]: desired[body],
      });
    } catch (e: unknown) {
      // Deleted since it was read: create it again (a create that races another is AlreadyExists).
      if (!isNotFound(e)) throw e;
      return this.create(r, desired);
    }
    this.d.log.info(`Updated ${r.kind}`, { name: desired.metadata.name, namespace: desired.metadata.namespace });
    return written;
  }

  private async create(r: ResourceRef, desired: KubeObject): Promise<KubeObject> {
    const created = await this.d.client.create(r, desired);
    this.d.log.info(`Created ${r.kind}`, { name: desired.metadata.name, namespace: desired.metadata.namespace });
    return created;
  }

  private poolStates(pool: string): VirtioCryptoNodeState[] {
    const out: VirtioCryptoNodeState[] = [];
    for (const raw of this.d.nodeStates.list()) {
      if (raw.metadata.labels?.[POOL_LABEL] !== pool) continue;
      try {
        out.push(parseNodeState(raw));
      } catch (e: unknown) {
        if (!(e instanceof ApiValidationError)) throw e;
        this.d.log.warn('Ignoring an invalid VirtioCryptoNodeState', { name: raw.metadata.name, err: e.message });
      }
    }
    return out;
  }

  private async deleteNodeState(s: VirtioCryptoNodeState): Promise<void> {
    const name = s.metadata.name ?? '';
    try {
      await this.d.client.delete(NODE_STATE_RESOURCE, name);
      this.d.log.info('Deleted the node state of a node that left the pool', { name, node: s.metadata.labels?.[NODE_LABEL] ?? s.spec.nodeName });
    } catch (e: unknown) {
      if (!isNotFound(e)) throw e;
    }
  }

  private conflictsWith(pool: string, resourceName: string, mine: ReadonlySet<string>, nodes: readonly NodeInfo[]): string[] {
    const out: string[] = [];
    for (const raw of this.d.devices.list()) {
      if (raw.metadata.name === pool) continue;
      let other: VirtioCryptoDevice;
      try {
        other = parseDevice(raw);
      } catch {
        continue;
      }
      if (resourceNameFor(raw.metadata.name, other.spec) !== resourceName) continue;
      if (selectedNodes(other.spec, nodes).some((n) => mine.has(n))) out.push(raw.metadata.name);
    }
    return out.sort();
  }

  /**
   * The status the object holds. The watch cache may still show the object as it was before this
   * reconciler's last write (the same resourceVersion): then that write is what it holds.
   */
  private currentStatus(raw: KubeObject): VirtioCryptoDeviceStatus | undefined {
    const mine = this.written.get(raw.metadata.name);
    return (mine !== undefined && mine.before === raw.metadata.resourceVersion ? mine.status : raw['status']) as VirtioCryptoDeviceStatus | undefined;
  }

  /** Writes the status unless the object already holds it (on top of this reconciler's last write when the cache lags). */
  private async writeStatus(raw: KubeObject, status: VirtioCryptoDeviceStatus): Promise<ProcessResult> {
    const name = raw.metadata.name;
    const mine = this.written.get(name);
    const stale = mine !== undefined && mine.before === raw.metadata.resourceVersion;
    const want = JSON.parse(JSON.stringify(status)) as unknown;
    if (isDeepStrictEqual(want, this.currentStatus(raw))) return 'done';
    const base: KubeObject = stale ? { ...raw, metadata: { ...raw.metadata, resourceVersion: mine.after ?? '' } } : raw;
    try {
      const saved = await this.d.client.updateStatus(DEVICE_RESOURCE, { ...base, status });
      this.written.set(name, { before: base.metadata.resourceVersion, after: saved.metadata.resourceVersion, status: want });
    } catch (e: unknown) {
      if (isConflict(e)) return 'requeue';
      if (isNotFound(e)) return 'done';
      throw e;
    }
    return 'done';
  }

  private async recordConflictEvent(raw: KubeObject, resourceName: string, pools: readonly string[]): Promise<void> {
    const now = new Date().toISOString();
    await this.d.client.create(RESOURCES.event, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${raw.metadata.name}.${Date.now().toString(16)}`, namespace: this.d.agent.namespace },
      involvedObject: { apiVersion: raw.apiVersion, kind: raw.kind, name: raw.metadata.name, uid: raw.metadata.uid },
      reason: REASON.resourceNameConflict,
      message: `pools ${pools.join(', ')} also advertise ${resourceName} on a node of this pool`,
      type: 'Warning', count: 1, firstTimestamp: now, lastTimestamp: now,
      source: { component: 'vcrypto-operator' },
    });
  }
}
