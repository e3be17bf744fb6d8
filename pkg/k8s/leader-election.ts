// SPDX-License-Identifier: Apache-2.0
/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate
 * takes the lease when it is free or its holder let renewTime + leaseDurationSeconds pass; the
 * holder renews every retryPeriod and steps down when it could not renew within renewDeadline
 * or sees another holder;
 * every write is an update with resourceVersion, so two candidates never both win. `release()`
 * (on SIGTERM) empties holderIdentity so a standby takes over at once. Knows no controller.
 */
import type { KubeClient } from './client.js';

/** The calls the elector makes: a KubeClient, or anything that answers these three alike. */
export type LeaseClient = Pick<KubeClient, 'get' | 'create' | 'update'>;
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { RESOURCES, type KubeObject } from './resource.js';

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError?: (err: unknown) => void;
}

/** Reads and writes a release tries before it gives up on a lease that keeps changing. */
const RELEASE_TRIES = 3;

/** Lease timestamps are metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z');

export class LeaderElector {
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewMs = 0;
  /** The attempt in flight, if any: stop() lets it finish before it releases the lease. */
  private attempt: Promise<void> | undefined;
  private readonly durationMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;

  constructor(private readonly client: LeaseClient, private readonly o: LeaderElectionOptions) {
    this.durationMs = o.leaseDurationMs ?? 15_000;
    this.deadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  /**
   * Stops campaigning; a leader gives the lease up so another replica can take it at once. A
   * renewal in flight finishes first: released under it, the release would carry a stale
   * resourceVersion and be refused, and the lease would stay held until it expired.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.attempt;
    if (this.leading) {
      for (let tries = 0; ; tries++) {
        try {
          const lease = await this.client.get<Lease>(RESOURCES.lease, this.o.name, this.o.namespace);
          if (lease.spec?.holderIdentity === this.o.identity) {
            await this.client.update(RESOURCES.lease, { ...lease, spec: { ...lease.spec, holderIdentity: null, renewTime: null, acquireTime: null, leaseDurationSeconds: 1 } });
          }
          break;
        } catch (e: unknown) {
          // A conflict means the lease changed since it was read: read it again, a few times.
          if (isConflict(e) && tries < RELEASE_TRIES - 1) continue;
          this.o.onError?.(e);
          break;
        }
      }
      this.setLeading(false);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.attempt = this.tryAcquireOrRenew()
      .then((outcome) => {
        if (outcome === 'held') {
          this.lastRenewMs = Date.now();
          this.setLeading(true);
        } else if (outcome === 'other' || (this.leading && Date.now() - this.lastRenewMs > this.deadlineMs)) this.setLeading(false);
      })
      .catch((e: unknown) => {
        this.o.onError?.(e);
        if (this.leading && Date.now() - this.lastRenewMs > this.deadlineMs) this.setLeading(false);
      })
      .finally(() => {
        this.attempt = undefined;
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.retryMs);
      });
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }

  /** One attempt: held (this candidate holds the lease), other (someone else validly does), or lost a race. */
  private async tryAcquireOrRenew(): Promise<'held' | 'other' | 'race'> {
    const now = Date.now();
    const spec: LeaseSpec = { holderIdentity: this.o.identity, leaseDurationSeconds: Math.ceil(this.durationMs / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(RESOURCES.lease, this.o.name, this.o.namespace);
    } catch (e: unknown) {
      if (!isNotFound(e)) throw e;
      try {
        await this.client.create<Lease>(RESOURCES.lease, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace }, spec });
        return 'held';
      } catch (err: unknown) {
        if (isAlreadyExists(err) || isConflict(err)) return 'race';
        throw err;
      }
    }
    const cur = lease.spec ?? {};
    const holder = cur.holderIdentity ?? '';
    const renewed = cur.renewTime !== undefined && cur.renewTime !== null ? Date.parse(cur.renewTime) : 0;
    const expired = holder === '' || renewed + (cur.leaseDurationSeconds ?? 0) * 1000 < now;
    if (holder !== this.o.identity && !expired) return 'other';
    const next: LeaseSpec = holder === this.o.identity
      ? { ...cur, renewTime: microTime(now), leaseDurationSeconds: spec.leaseDurationSeconds ?? 15 }
      : { ...spec, leaseTransitions: (cur.leaseTransitions ?? 0) + 1 };
    try {
      await this.client.update<Lease>(RESOURCES.lease, { ...lease, spec: next });
      return 'held';
    } catch (e: unknown) {
      if (isConflict(e)) return 'race';
      throw e;
    }
  }
}
