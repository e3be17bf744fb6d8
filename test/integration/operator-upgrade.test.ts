// SPDX-License-Identifier: Apache-2.0
/**
 * A new agent template with the OnDelete update strategy, against the FAKE API server (which runs
 * no DaemonSet controller: the test writes the DaemonSet status the real one would): while agent
 * pods still run the older template the pool stays Progressing with AgentUpdatePending, and it
 * turns AllNodesReady once they are updated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_RESOURCE } from '../../pkg/controllers/index.js';
import type { KubeObject } from '../../pkg/k8s/index.js';
import { AGENT_NAMESPACE, agentStatus, clientFor, condition, createNode, createPool, daemonSet, newFakeApiServer, publishAs, startOperator, until } from './operator-support.js';

describe('operator: agent pods on an older template', () => {
  const fake = newFakeApiServer();
  let op: ReturnType<typeof startOperator>;

  /** What the DaemonSet controller would report: `updated` of 1 scheduled pods on the current template. */
  const reportPods = (updated: number): void => {
    const ds = daemonSet(fake, 'fast')!;
    fake.store.update(fake.resource('DaemonSet'), AGENT_NAMESPACE, ds.metadata.name, { ...ds, status: { observedGeneration: ds.metadata.generation, desiredNumberScheduled: 1, updatedNumberScheduled: updated } }, 'status');
  };

  beforeAll(async () => {
    await fake.start();
    createNode(fake, 'node-a', { 'vcrypto.dev/pool': 'fast' });
    op = startOperator(fake, 'replica-1');
    await op.ready;
    await until('leadership', () => op.manager.isLeader);
    createPool(fake, 'fast', { nodeSelector: { 'vcrypto.dev/pool': 'fast' } });
    await until('DaemonSet', () => daemonSet(fake, 'fast'));
    reportPods(1);
    await publishAs(fake, 'fast', 'node-a', agentStatus(2, 2));
    await until('AllNodesReady', () => condition(fake, 'fast', 'Progressing') === 'False/AllNodesReady');
  });
  afterAll(async () => {
    await op.manager.stop();
    await fake.stop();
  });

  it('reports AgentUpdatePending until the agent pod runs the new template', async () => {
    await clientFor(fake, 'test').patch<KubeObject>(DEVICE_RESOURCE, 'fast', { spec: { agent: { image: 'example.test/vcrypto:v2' } } }, 'merge');
    await until('new template', () => ((daemonSet(fake, 'fast')?.metadata.generation ?? 0) > 1));
    // Only the DaemonSet status changes: the operator's DaemonSet watch is what reconciles.
    reportPods(0);
    await until('AgentUpdatePending', () => condition(fake, 'fast', 'Progressing') === 'True/AgentUpdatePending');
    expect(condition(fake, 'fast', 'Available')).toBe('True/AgentsReady');
    reportPods(1);
    await until('AllNodesReady again', () => condition(fake, 'fast', 'Progressing') === 'False/AllNodesReady');
  });
});
