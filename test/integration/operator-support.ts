// SPDX-License-Identifier: Apache-2.0
/**
 * Shared helpers of the operator integration tests and the chart RBAC test: a FAKE API server
 * serving our two CRD kinds, operator replicas run in-process against it (short lease timings),
 * a stand-in node agent publishing VirtioCryptoNodeStates through pkg/nodestate, poll-until,
 * and `runOperatorScenario`, which drives every API call the operator and agent code make (the
 * RBAC test compares the recorded calls with the chart's rules).
 */
import { DEVICE_KIND, DEVICE_PLURAL, GROUP, NODE_STATE_KIND, NODE_STATE_PLURAL, VERSION, type VirtioCryptoDeviceSpecInput, type VirtioCryptoNodeStateStatus } from '../../pkg/api/index.js';
import { DEVICE_RESOURCE, OperatorManager, agentDaemonSetName } from '../../pkg/controllers/index.js';
import type { KubeClient, KubeObject } from '../../pkg/k8s/index.js';
import { createLogger, type Logger } from '../../pkg/log/logger.js';
import { NodeStatePublisher } from '../../pkg/nodestate/index.js';
import { FakeApiServer, fakeClient } from '../support/fake-apiserver/index.js';

export const AGENT_NAMESPACE = 'vcrypto-system';
export const LEASE_NAME = 'vcrypto-operator';

export function newFakeApiServer(): FakeApiServer {
  return new FakeApiServer({
    extraResources: [
      { group: GROUP, version: VERSION, kind: DEVICE_KIND, plural: DEVICE_PLURAL, namespaced: false, status: true },
      { group: GROUP, version: VERSION, kind: NODE_STATE_KIND, plural: NODE_STATE_PLURAL, namespaced: false, status: true },
    ],
  });
}

/** A client whose requests the fake logs as `user` (no kubeconfig file is left behind). */
export function clientFor(fake: FakeApiServer, user: string): KubeClient {
  return fakeClient(fake, user);
}

const quiet = createLogger({ name: 'operator-test', level: (process.env['VCRYPTO_LOG_LEVEL'] as 'debug' | undefined) ?? 'error' });

export function startOperator(fake: FakeApiServer, identity: string, log: Logger = quiet): { manager: OperatorManager; ready: Promise<void> } {
  const manager = new OperatorManager({
    client: clientFor(fake, 'operator'),
    log: log.child(identity),
    agent: { namespace: AGENT_NAMESPACE, image: 'example.test/vcrypto:test', serviceAccountName: 'vcrypto-agent', stateDir: '/var/lib/vcrypto', devicePluginDir: '/var/lib/kubelet/device-plugins', metricsPort: 9464 },
    leaderElection: { namespace: AGENT_NAMESPACE, leaseName: LEASE_NAME, identity, leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 },
    requeueBaseDelayMs: 20,
  });
  return { manager, ready: manager.start() };
}

export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e: unknown) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function createNode(fake: FakeApiServer, name: string, labels: Record<string, string>, taints: unknown[] = []): void {
  fake.store.create(fake.resource('Node'), undefined, { metadata: { name, labels }, spec: { taints } });
}

export function createPool(fake: FakeApiServer, name: string, spec: VirtioCryptoDeviceSpecInput): KubeObject {
  return fake.store.create(fake.resource(DEVICE_KIND), undefined, { apiVersion: `${GROUP}/${VERSION}`, kind: DEVICE_KIND, metadata: { name }, spec });
}

export interface DeviceStatusView {
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
  nodes?: { desired: number; ready: number };
  slots?: { total: number; healthy: number; allocated: number };
  nodeCapabilities?: { node: string; backend: string; hardwareDriver: string }[];
}

export function poolStatus(fake: FakeApiServer, name: string): DeviceStatusView | undefined {
  return fake.store.get(fake.resource(DEVICE_KIND), undefined, name)['status'] as DeviceStatusView | undefined;
}

export function condition(fake: FakeApiServer, pool: string, type: string): string | undefined {
  const c = poolStatus(fake, pool)?.conditions?.find((x) => x.type === type);
  return c === undefined ? undefined : `${c.status}/${c.reason}`;
}

export function daemonSet(fake: FakeApiServer, pool: string): KubeObject | undefined {
  try {
    return fake.store.get(fake.resource('DaemonSet'), AGENT_NAMESPACE, agentDaemonSetName(pool));
  } catch {
    return undefined;
  }
}

/** A node agent's status for `slots` slots of which `healthy` serve and `allocated` are held. */
export function agentStatus(slots: number, healthy: number, allocated = 0, extra: Partial<VirtioCryptoNodeStateStatus> = {}): VirtioCryptoNodeStateStatus {
  return {
    slots: Array.from({ length: slots }, (_, i) => ({ id: `slot-${i}`, health: i < healthy ? 'Healthy' : 'Unhealthy', allocated: i < allocated })),
    capabilities: { backend: 'software', algorithms: ['aes-cbc', 'sha256'] },
    updatedAt: new Date().toISOString(),
    ...extra,
  };
}

/** Publishes a node state as the node agent would (requests logged as user `agent`). */
export function publishAs(fake: FakeApiServer, pool: string, node: string, status: VirtioCryptoNodeStateStatus): Promise<boolean> {
  return new NodeStatePublisher(clientFor(fake, 'agent'), pool, node).publish(status);
}

/**
 * Every API call path of the operator and the agent, once: leader election (create, renew,
 * release), a pool created, changed and deleted, node states published, a node leaving the pool,
 * and two pools claiming one resource name.
 */
export async function runOperatorScenario(fake: FakeApiServer): Promise<void> {
  createNode(fake, 'node-a', { crypto: 'yes' });
  createNode(fake, 'node-b', { crypto: 'yes' });
  const op = startOperator(fake, 'scenario');
  await op.ready;
  await until('leader', () => op.manager.isLeader);
  createPool(fake, 'pool1', { nodeSelector: { crypto: 'yes' }, slotsPerNode: 2 });
  await until('DaemonSet', () => daemonSet(fake, 'pool1'));
  await publishAs(fake, 'pool1', 'node-a', agentStatus(2, 2));
  await publishAs(fake, 'pool1', 'node-b', agentStatus(2, 1));
  await publishAs(fake, 'pool1', 'node-b', agentStatus(2, 2));
  await until('Available', () => condition(fake, 'pool1', 'Available') === 'True/AgentsReady');
  const client = clientFor(fake, 'test');
  await client.patch(DEVICE_RESOURCE, 'pool1', { spec: { dataQueues: 2, agent: { image: 'example.test/vcrypto:v2' } } }, 'merge');
  await until('ConfigMap updated', () => JSON.stringify(fake.store.get(fake.resource('ConfigMap'), AGENT_NAMESPACE, 'vcrypto-pool-pool1')['data']).includes('"dataQueues\\": 2'));
  await until('DaemonSet updated', () => JSON.stringify(daemonSet(fake, 'pool1')).includes('vcrypto:v2'));
  const node = fake.store.get(fake.resource('Node'), undefined, 'node-b');
  fake.store.update(fake.resource('Node'), undefined, 'node-b', { ...node, metadata: { ...node.metadata, labels: {} } });
  await until('node state of node-b deleted', () => fake.store.list(fake.resource(NODE_STATE_KIND)).every((s) => s.metadata.name !== 'pool1-node-b'));
  createPool(fake, 'pool2', { nodeSelector: { crypto: 'yes' }, resourceName: 'vcrypto.dev/pool1' });
  await until('conflict event', () => fake.store.list(fake.resource('Event')).length > 0);
  await client.delete(DEVICE_RESOURCE, 'pool2');
  await client.delete(DEVICE_RESOURCE, 'pool1');
  await until('DaemonSet collected', () => daemonSet(fake, 'pool1') === undefined);
  await op.manager.stop();
  const lease = fake.store.get(fake.resource('Lease'), AGENT_NAMESPACE, LEASE_NAME) as KubeObject & { spec: { holderIdentity?: string | null } };
  if (lease.spec.holderIdentity !== null && lease.spec.holderIdentity !== undefined) throw new Error('the lease was not released');
}
