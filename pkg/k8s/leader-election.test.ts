// SPDX-License-Identifier: Apache-2.0
/**
 * Leader election against the FAKE API server: one of two candidates leads; a leader that stops
 * renewing (its renewals fail) steps down after the renew deadline and the other takes over once
 * the lease expires; stop() releases the lease for an immediate takeover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, fakeClient } from '../../test/support/fake-apiserver/index.js';
import { LeaderElector } from './leader-election.js';

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
});
