// SPDX-License-Identifier: Apache-2.0
/**
 * The operator's controller manager: informers for VirtioCryptoDevices, VirtioCryptoNodeStates,
 * Nodes and the agent DaemonSets (every replica keeps them warm), one keyed work queue feeding
 * the VirtioCryptoDevice reconciler, a periodic resync, and Lease leader election so that only
 * the leader's queue runs. Wires the operator metrics (reconciles, duration, pools by condition,
 * leader). Knows no HTTP server and no flags: cmd/operator builds it.
 */
import type { VirtioCryptoDeviceStatus } from '../api/index.js';
import { POOL_LABEL } from '../api/index.js';
import { Informer, LeaderElector, RESOURCES, type KubeClient, type KubeObject } from '../k8s/index.js';
import type { Logger } from '../log/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import { WorkQueue, type ProcessResult } from './runtime/work-queue.js';
import { MANAGED_BY, MANAGED_BY_LABEL, type AgentOptions } from './virtiocryptodevice/desired.js';
import { VirtioCryptoDeviceReconciler } from './virtiocryptodevice/reconciler.js';
import { DEVICE_RESOURCE, NODE_STATE_RESOURCE } from './virtiocryptodevice/resources.js';

export interface OperatorOptions {
  readonly client: KubeClient;
  readonly agent: AgentOptions;
  readonly log: Logger;
  readonly metrics?: OperatorMetrics;
  readonly leaderElection: { readonly namespace: string; readonly leaseName: string; readonly identity: string; readonly leaseDurationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
  /** Every pool is reconciled again this often even without events (default 5 minutes). */
  readonly resyncMs?: number;
  readonly requeueBaseDelayMs?: number;
}

const KIND = 'VirtioCryptoDevice';

export class OperatorManager {
  readonly devices: Informer;
  private readonly nodeStates: Informer;
  private readonly nodes: Informer;
  private readonly daemonSets: Informer;
  private readonly queue: WorkQueue;
  private readonly elector: LeaderElector;
  private readonly reconciler: VirtioCryptoDeviceReconciler;
  private resync: NodeJS.Timeout | undefined;

  constructor(private readonly o: OperatorOptions) {
    const onError = (what: string) => (err: unknown) => o.log.warn(`Watch of ${what} failed; retrying`, { err: err instanceof Error ? err.message : String(err) });
    this.devices = new Informer(o.client, DEVICE_RESOURCE, { onError: onError('virtiocryptodevices') });
    this.nodeStates = new Informer(o.client, NODE_STATE_RESOURCE, { onError: onError('virtiocryptonodestates') });
    this.nodes = new Informer(o.client, RESOURCES.node, { onError: onError('nodes') });
    this.daemonSets = new Informer(o.client, RESOURCES.daemonSet, { namespace: o.agent.namespace, labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`, onError: onError('daemonsets') });
    this.reconciler = new VirtioCryptoDeviceReconciler({ client: o.client, agent: o.agent, devices: this.devices, nodeStates: this.nodeStates, nodes: this.nodes, log: o.log.child('reconciler') });
    this.queue = new WorkQueue((key) => this.process(key), { baseDelayMs: o.requeueBaseDelayMs ?? 200, maxDelayMs: 60_000 });
    const le = o.leaderElection;
    this.elector = new LeaderElector(o.client, {
      namespace: le.namespace, name: le.leaseName, identity: le.identity,
      ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => this.stopLeading(),
      onError: (err) => o.log.warn('Leader election call failed', { err: err instanceof Error ? err.message : String(err) }),
    });
    // Pools see each other (two may claim one resource name), so a pool created or deleted
    // makes every pool reconcile; an update reconciles only itself.
    const byName = (type: string, obj: KubeObject): void => (type === 'update' ? this.queue.add(obj.metadata.name) : this.enqueueAll(obj.metadata.name));
    const byPool = (_t: string, obj: KubeObject): void => {
      const pool = obj.metadata.labels?.[POOL_LABEL];
      if (pool !== undefined) this.queue.add(pool);
    };
    this.devices.on(byName);
    this.nodeStates.on(byPool);
    this.daemonSets.on(byPool);
    this.nodes.on(() => this.enqueueAll());
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** True once every informer delivered its first list. */
  get synced(): boolean {
    return [this.devices, this.nodeStates, this.nodes, this.daemonSets].every((i) => i.hasSynced);
  }

  async start(): Promise<void> {
    await Promise.all([this.devices, this.nodeStates, this.nodes, this.daemonSets].map((i) => i.start()));
    this.elector.start();
  }

  /** Stops reconciling and releases the lease (so a standby takes over at once). */
  async stop(): Promise<void> {
    if (this.resync !== undefined) clearInterval(this.resync);
    await this.queue.stop();
    await this.elector.stop();
    await Promise.all([this.devices, this.nodeStates, this.nodes, this.daemonSets].map((i) => i.stop()));
  }

  private startLeading(): void {
    this.o.log.info('Became the leader; reconciling', { identity: this.o.leaderElection.identity });
    this.o.metrics?.setLeader(true);
    this.queue.start();
    this.enqueueAll();
    this.resync = setInterval(() => this.enqueueAll(), this.o.resyncMs ?? 300_000);
  }

  private stopLeading(): void {
    this.o.log.warn('Lost the leader lease; reconciling stops', { identity: this.o.leaderElection.identity });
    this.o.metrics?.setLeader(false);
    if (this.resync !== undefined) clearInterval(this.resync);
    void this.queue.stop();
  }

  private enqueueAll(also?: string): void {
    if (also !== undefined) this.queue.add(also);
    for (const d of this.devices.list()) this.queue.add(d.metadata.name);
  }

  private async process(key: string): Promise<ProcessResult> {
    // An empty cache would look like "no nodes" and delete every node state: wait for the lists.
    if (!this.synced) return { requeueAfterMs: 500 };
    const started = process.hrtime.bigint();
    let result: ProcessResult;
    let outcome: 'success' | 'requeue' | 'error' = 'success';
    try {
      result = await this.reconciler.reconcile(key);
      if (result !== 'done') outcome = 'requeue';
    } catch (e: unknown) {
      this.o.log.error('Reconcile failed; retrying with backoff', { pool: key, err: e instanceof Error ? e.message : String(e) });
      result = 'requeue';
      outcome = 'error';
    }
    this.o.metrics?.reconciled(KIND, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    this.o.metrics?.setPoolConditions(this.poolConditionCounts());
    return result;
  }

  private poolConditionCounts(): Record<string, number> {
    const counts: Record<string, number> = { Available: 0, Progressing: 0, Degraded: 0 };
    for (const d of this.devices.list()) {
      for (const c of (d['status'] as VirtioCryptoDeviceStatus | undefined)?.conditions ?? []) {
        if (c.status === 'True') counts[c.type] = (counts[c.type] ?? 0) + 1;
      }
    }
    return counts;
  }
}
