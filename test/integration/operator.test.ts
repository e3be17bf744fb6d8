// SPDX-License-Identifier: Apache-2.0
/**
 * The operator against the FAKE API server, in-process: a pool becomes a DaemonSet and its
 * ConfigMap and turns Available as agents report; a spec change updates them and the
 * observedGeneration; node states aggregate into the status; a node leaving the pool loses its
 * node state; a second reconcile writes nothing; a status Conflict is retried; deleting the pool
 * garbage-collects what it owned. Every wait polls for a condition; nothing asserts a timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePoolConfig } from '../../cmd/agent/pool-config.js';
import { DEVICE_RESOURCE } from '../../pkg/controllers/index.js';
import type { KubeObject } from '../../pkg/k8s/index.js';
import { AGENT_NAMESPACE, agentStatus, clientFor, condition, createNode, createPool, daemonSet, newFakeApiServer, poolStatus, publishAs, startOperator, until } from './operator-support.js';

interface DaemonSetView {
  metadata: KubeObject['metadata'];
  spec: { template: { spec: { nodeSelector?: Record<string, string>; serviceAccountName: string; containers: { image: string; args: string[]; securityContext: { privileged: boolean } }[] } } };
}

describe('operator against the fake API server', () => {
  const fake = newFakeApiServer();
  let op: ReturnType<typeof startOperator>;

  beforeAll(async () => {
    await fake.start();
    createNode(fake, 'node-a', { 'vcrypto.dev/pool': 'fast' });
    createNode(fake, 'node-b', { 'vcrypto.dev/pool': 'fast' });
    createNode(fake, 'node-c', { 'vcrypto.dev/pool': 'fast' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    createNode(fake, 'node-z', {});
    op = startOperator(fake, 'replica-1');
    await op.ready;
    await until('leadership', () => op.manager.isLeader);
  });
  afterAll(async () => {
    await op.manager.stop();
    await fake.stop();
  });

  it('creates the agent DaemonSet and pool ConfigMap with owner references, then goes Available', async () => {
    const pool = createPool(fake, 'fast', { nodeSelector: { 'vcrypto.dev/pool': 'fast' }, slotsPerNode: 2 });
    const ds = (await until('DaemonSet', () => daemonSet(fake, 'fast'))) as unknown as DaemonSetView;
    expect(ds.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'VirtioCryptoDevice', name: 'fast', uid: pool.metadata.uid, controller: true })]);
    const pod = ds.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'vcrypto.dev/pool': 'fast' });
    expect(pod.serviceAccountName).toBe('vcrypto-agent');
    expect(pod.containers[0]?.image).toBe('example.test/vcrypto:test');
    expect(pod.containers[0]?.securityContext.privileged).toBe(false);
    expect(pod.containers[0]?.args).toContain('--pool-config=/etc/vcrypto/pool/pool.json');
    const cm = fake.store.get(fake.resource('ConfigMap'), AGENT_NAMESPACE, 'vcrypto-pool-fast');
    expect(cm.metadata.ownerReferences?.[0]?.uid).toBe(pool.metadata.uid);
    // The ConfigMap is what `vcrypto agent --pool-config` reads: the agent's own parser accepts it.
    const agentView = parsePoolConfig((cm['data'] as Record<string, string>)['pool.json'] ?? '');
    expect(agentView).toMatchObject({ pool: 'fast', resourceName: 'vcrypto.dev/fast', slots: 2 });

    await until('Progressing while no agent reported', () => condition(fake, 'fast', 'Progressing') === 'True/WaitingForAgents');
    expect(condition(fake, 'fast', 'Available')).toBe('False/NoNodeReady');
    expect(poolStatus(fake, 'fast')?.nodes).toEqual({ desired: 2, ready: 0 });
    await publishAs(fake, 'fast', 'node-a', agentStatus(2, 2, 1));
    await until('Available', () => condition(fake, 'fast', 'Available') === 'True/AgentsReady');
  });

  it('aggregates node states into nodes, slots, capabilities and conditions', async () => {
    await publishAs(fake, 'fast', 'node-b', agentStatus(2, 1, 0, { capabilities: { backend: 'kernel', hardwareDriver: 'qat_aes_cbc', algorithms: ['aes-cbc'] } }));
    await until('both nodes counted', () => poolStatus(fake, 'fast')?.nodes?.ready === 2);
    const s = poolStatus(fake, 'fast');
    expect(s?.slots).toEqual({ total: 4, healthy: 3, allocated: 1 });
    expect(s?.nodeCapabilities).toEqual([
      { node: 'node-a', backend: 'software', hardwareDriver: 'none' },
      { node: 'node-b', backend: 'kernel', hardwareDriver: 'qat_aes_cbc' },
    ]);
    expect(condition(fake, 'fast', 'Degraded')).toBe('True/SlotsUnhealthy');
    expect(condition(fake, 'fast', 'Progressing')).toBe('False/AllNodesReady');
    await publishAs(fake, 'fast', 'node-b', agentStatus(2, 2, 0, { lastError: 'device process exited with code 3' }));
    await until('agent error', () => condition(fake, 'fast', 'Degraded') === 'True/AgentError');
    await publishAs(fake, 'fast', 'node-b', agentStatus(2, 2));
    await until('healthy again', () => condition(fake, 'fast', 'Degraded') === 'False/AsExpected');
  });

  it('writes nothing on a second reconcile of an unchanged pool', async () => {
    await until('settled', () => poolStatus(fake, 'fast')?.slots?.healthy === 4);
    const writesBefore = fake.requests.filter((r) => r.user === 'operator' && r.resource !== 'leases' && ['create', 'update', 'patch', 'delete'].includes(r.verb)).length;
    const readsBefore = fake.requests.filter((r) => r.user === 'operator' && r.verb === 'get').length;
    // A node event makes the operator reconcile every pool again.
    createNode(fake, 'node-unrelated', {});
    await until('a reconcile ran', () => fake.requests.filter((r) => r.user === 'operator' && r.verb === 'get').length >= readsBefore + 2);
    const writes = fake.requests.filter((r) => r.user === 'operator' && r.resource !== 'leases' && ['create', 'update', 'patch', 'delete'].includes(r.verb));
    expect(writes.slice(writesBefore)).toEqual([]);
  });

  it('updates the DaemonSet and ConfigMap on a spec change and records observedGeneration', async () => {
    const client = clientFor(fake, 'test');
    const updated = await client.patch<KubeObject>(DEVICE_RESOURCE, 'fast', { spec: { maxSessions: 64, agent: { image: 'example.test/vcrypto:v2' } } }, 'merge');
    expect(updated.metadata.generation).toBe(2);
    await until('DaemonSet image updated', () => ((daemonSet(fake, 'fast') as unknown as DaemonSetView | undefined)?.spec.template.spec.containers[0]?.image === 'example.test/vcrypto:v2'));
    await until('observedGeneration 2', () => poolStatus(fake, 'fast')?.observedGeneration === 2);
    const cm = fake.store.get(fake.resource('ConfigMap'), AGENT_NAMESPACE, 'vcrypto-pool-fast');
    expect(parsePoolConfig((cm['data'] as Record<string, string>)['pool.json'] ?? '').deviceArgs).toEqual(expect.arrayContaining(['--max-sessions', '64']));
  });

  it('deletes the node state of a node that left the pool', async () => {
    const node = fake.store.get(fake.resource('Node'), undefined, 'node-b');
    fake.store.update(fake.resource('Node'), undefined, 'node-b', { ...node, metadata: { ...node.metadata, labels: {} } });
    await until('node state deleted', () => fake.store.list(fake.resource('VirtioCryptoNodeState')).every((s) => s.metadata.name !== 'fast-node-b'));
    await until('one node desired', () => poolStatus(fake, 'fast')?.nodes?.desired === 1);
    expect(poolStatus(fake, 'fast')?.nodeCapabilities?.map((c) => c.node)).toEqual(['node-a']);
  });

  it('retries a status write that hit a Conflict', async () => {
    const from = fake.requests.length;
    const fault = { verb: 'update', resource: 'virtiocryptodevices/status', code: 409 as const, times: 2 };
    fake.injectFault(fault);
    await publishAs(fake, 'fast', 'node-a', agentStatus(3, 3));
    await until('status written after the conflicts', () => poolStatus(fake, 'fast')?.slots?.total === 3);
    expect(fault.times).toBe(0);
    const injected = fake.requests.slice(from).filter((r) => r.user === 'operator' && r.resource === 'virtiocryptodevices/status' && r.code === 409);
    expect(injected.length).toBeGreaterThanOrEqual(2);
  });

  it('marks two pools advertising one resource name on a shared node Degraded, with an Event', async () => {
    createPool(fake, 'copy', { nodeSelector: { 'vcrypto.dev/pool': 'fast' }, resourceName: 'vcrypto.dev/fast' });
    await until('conflict on the new pool', () => condition(fake, 'copy', 'Degraded') === 'True/ResourceNameConflict');
    await until('conflict on the old pool', () => condition(fake, 'fast', 'Degraded') === 'True/ResourceNameConflict');
    const events = fake.store.list(fake.resource('Event'), { namespace: AGENT_NAMESPACE });
    expect(events.map((e) => e['reason'])).toContain('ResourceNameConflict');
    fake.store.delete(fake.resource('VirtioCryptoDevice'), undefined, 'copy');
    await until('conflict gone', () => condition(fake, 'fast', 'Degraded') === 'False/AsExpected');
  });

  it('reports a spec the API schema refuses as InvalidSpec and creates nothing for it', async () => {
    // As if an older CRD had let it through: slotsPerNode above the schema's bound.
    createPool(fake, 'broken', { slotsPerNode: 999 });
    await until('InvalidSpec', () => condition(fake, 'broken', 'Degraded') === 'True/InvalidSpec');
    expect(poolStatus(fake, 'broken')?.conditions?.find((c) => c.type === 'Degraded')?.message).toMatch(/slotsPerNode/);
    expect(daemonSet(fake, 'broken')).toBeUndefined();
    fake.store.delete(fake.resource('VirtioCryptoDevice'), undefined, 'broken');
  });

  it('leaves cleanup to owner-reference garbage collection when the pool is deleted', async () => {
    fake.store.delete(fake.resource('VirtioCryptoDevice'), undefined, 'fast');
    await until('DaemonSet and ConfigMap collected', () => daemonSet(fake, 'fast') === undefined && fake.store.list(fake.resource('ConfigMap')).length === 0);
  });
});
