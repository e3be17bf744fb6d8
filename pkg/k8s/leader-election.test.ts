// SPDX-License-Identifier: Apache-2.0
/**
 * Leader election against the FAKE API server: one of two candidates leads; a leader that stops
 * renewing (its renewals fail) steps down after the renew deadline and the other takes over once
 * the lease expires; stop() releases the lease for an immediate takeover, also when it is called
 * while a renewal is on its way to the server (against a scripted in-memory lease).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, fakeClient } from '../../test/support/fake-apiserver/index.js';
import { K8sApiError } from './errors.js';
import { LeaderElector, type LeaseClient } from './leader-election.js';
import type { KubeObject } from './resource.js';

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LeaderElector', () => {
  const fake = new FakeApiServer();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  function candidate(identity: string): { elector: LeaderElector; transitions: string[] } {
    const transitions: string[] = [];
    const elector = new LeaderElector(fakeClient(fake, identity), {
      namespace: 'ns', name: 'lease', identity, leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100,
      onStartedLeading: () => transitions.push('start'), onStoppedLeading: () => transitions.push('stop'),
    });
    return { elector, transitions };
  }
  const holder = (): unknown => (fake.store.get(fake.resource('Lease'), 'ns', 'lease')['spec'] as { holderIdentity?: unknown }).holderIdentity;

  it('elects one, fails over when the leader cannot renew, and hands over at once on stop()', async () => {
    const a = candidate('a');
    const b = candidate('b');
    a.elector.start();
    b.elector.start();
    await until('a leader', () => a.elector.isLeader || b.elector.isLeader);
    const [leader, standby] = a.elector.isLeader ? [a, b] : [b, a];
    expect(standby.elector.isLeader).toBe(false);
    const leaderId = holder();

    // The leader's renewals fail from now on (as if its API access broke).
    fake.injectFault({ verb: 'update', resource: 'leases', code: 503, user: String(leaderId), times: 1_000_000 });
    await until('the leader steps down', () => !leader.elector.isLeader);
    await until('the standby takes over', () => standby.elector.isLeader && holder() !== leaderId);
    expect(leader.transitions).toEqual(['start', 'stop']);
    fake.clearFaults();

    await leader.elector.stop();
    await standby.elector.stop();
    expect(holder()).toBeNull();
    expect(standby.transitions).toEqual(['start', 'stop']);
  });

  it('releases the lease when stop() comes while a renewal is on its way', async () => {
    // One lease with a resourceVersion; updates are applied in the order they arrive, and the
    // first one (the renewal after the acquisition) is held until the test lets it through, as a
    // slow API server would. A write with a stale resourceVersion is refused with 409.
    let lease: KubeObject & { spec?: Record<string, unknown> } = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lease', namespace: 'ns', resourceVersion: '1' } };
    let version = 1;
    let updates = 0;
    let letRenewalThrough: () => void = () => undefined;
    let queue: Promise<unknown> = Promise.resolve();
    const apply = (obj: KubeObject): KubeObject => {
      if (obj.metadata?.resourceVersion !== String(version)) throw new K8sApiError(409, 'Conflict', 'the object has been modified');
      version++;
      lease = { ...(obj as typeof lease), metadata: { ...obj.metadata, resourceVersion: String(version) } };
      return lease;
    };
    const client: LeaseClient = {
      get: async <T extends KubeObject>() => structuredClone(lease) as T,
      create: async () => {
        throw new K8sApiError(409, 'AlreadyExists', 'exists');
      },
      update: <T extends KubeObject>(_r: unknown, obj: T): Promise<T> => {
        const n = ++updates;
        const held = n === 2 ? new Promise<void>((r) => (letRenewalThrough = r)) : Promise.resolve();
        const done = queue.then(() => held).then(() => apply(obj) as T);
        queue = done.catch(() => undefined);
        return done;
      },
    };
    const transitions: string[] = [];
    const elector = new LeaderElector(client, {
      namespace: 'ns', name: 'lease', identity: 'a', leaseDurationMs: 60_000, renewDeadlineMs: 30_000, retryPeriodMs: 10,
      onStartedLeading: () => transitions.push('start'), onStoppedLeading: () => transitions.push('stop'),
    });
    elector.start();
    await until('leading', () => elector.isLeader);
    await until('the renewal is on its way', () => updates === 2);
    const stopped = elector.stop();
    // The renewal lands only now, after stop() was asked for.
    setTimeout(() => letRenewalThrough(), 50);
    await stopped;
    expect(lease.spec?.['holderIdentity']).toBeNull();
    expect(transitions).toEqual(['start', 'stop']);
  });
});
