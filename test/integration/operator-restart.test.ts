// SPDX-License-Identifier: Apache-2.0
/**
 * The operator survives the FAKE API server going away mid-watch: while it is down a pool is
 * created and a node state published, and the server's event history is compacted (so the
 * watches resume with 410 Gone and must relist). When it is back, the operator catches up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentStatus, condition, createNode, createPool, daemonSet, newFakeApiServer, poolStatus, startOperator, until } from './operator-support.js';

describe('operator across an API server restart', () => {
  const fake = newFakeApiServer();
  let op: ReturnType<typeof startOperator>;

  beforeAll(async () => {
    await fake.start();
    createNode(fake, 'node-a', { pool: 'yes' });
    op = startOperator(fake, 'replica-restart');
    await op.ready;
    await until('leadership', () => op.manager.isLeader);
  });
  afterAll(async () => {
    await op.manager.stop();
    await fake.stop();
  });

  it('relists after the server comes back with a compacted history and reconciles what changed meanwhile', async () => {
    createPool(fake, 'before', { nodeSelector: { pool: 'yes' } });
    await until('first DaemonSet', () => daemonSet(fake, 'before'));

    await fake.stop();
    createPool(fake, 'during', { nodeSelector: { pool: 'yes' } });
    fake.store.create(fake.resource('VirtioCryptoNodeState'), undefined, {
      metadata: { name: 'before-node-a', labels: { 'vcrypto.dev/pool': 'before', 'vcrypto.dev/node': 'node-a' } },
      spec: { pool: 'before', nodeName: 'node-a' },
    });
    const s = fake.store.get(fake.resource('VirtioCryptoNodeState'), undefined, 'before-node-a');
    fake.store.update(fake.resource('VirtioCryptoNodeState'), undefined, 'before-node-a', { ...s, status: agentStatus(1, 1) }, 'status');
    fake.store.compact();
    const from = fake.requests.length;
    await fake.start();

    await until('DaemonSet of the pool created while the server was down', () => daemonSet(fake, 'during'), 30_000);
    await until('node state published while the server was down is aggregated', () => condition(fake, 'before', 'Available') === 'True/AgentsReady', 30_000);
    expect(poolStatus(fake, 'before')?.slots).toEqual({ total: 1, healthy: 1, allocated: 0 });
    // The watches resumed from their old resourceVersion, got 410 Gone and listed again.
    const relisted = (): boolean => ['virtiocryptodevices', 'virtiocryptonodestates', 'nodes', 'daemonsets'].every((res) => fake.requests.slice(from).some((r) => r.verb === 'list' && r.resource === res));
    await until('every informer listed again', relisted, 30_000);
    await until('leader again', () => op.manager.isLeader, 30_000);
  });
});
