// SPDX-License-Identifier: Apache-2.0
/**
 * The objects one VirtioCryptoDevice owns, built as pure data: the pool-config ConfigMap the
 * agent reads with `vcrypto agent --pool-config`, and the node-agent DaemonSet. Both carry an
 * owner reference to the CR (deleting the CR garbage-collects them) and the pool label. No I/O.
 *
 * The agent pods run as the chart's `vcrypto-agent` ServiceAccount: a per-pool account would
 * need the operator to create RoleBindings, i.e. the RBAC bind permission. Privileges of the
 * agent container: root (the kubelet's device-plugins folder is root's) without privileged
 * mode, all capabilities dropped but CHOWN, FOWNER and DAC_OVERRIDE (slot folders are handed to
 * QEMU's uid/gid with mode 0770, and the agent and its device processes, root, still create and
 * remove sockets in them). No /dev mount: the devices use node:crypto or AF_ALG sockets.
 */
import { API_VERSION, DEVICE_KIND, POOL_LABEL, type VirtioCryptoDevice } from '../../api/index.js';
import type { KubeObject, OwnerReference } from '../../k8s/index.js';

export interface AgentOptions {
  /** Namespace of the agent DaemonSets and ConfigMaps. */
  readonly namespace: string;
  readonly image: string;
  readonly serviceAccountName: string;
  readonly stateDir: string;
  readonly devicePluginDir: string;
  readonly metricsPort: number;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'vcrypto-operator';
export const AGENT_APP = 'vcrypto-agent';
const POOL_CONFIG_DIR = '/etc/vcrypto/pool';
const POOL_CONFIG_FILE = 'pool.json';

export const agentDaemonSetName = (pool: string): string => `vcrypto-agent-${pool}`;
export const poolConfigMapName = (pool: string): string => `vcrypto-pool-${pool}`;

export interface DesiredObjects {
  readonly configMap: KubeObject;
  readonly daemonSet: KubeObject;
}

function ownerReference(cr: VirtioCryptoDevice): OwnerReference {
  return { apiVersion: API_VERSION, kind: DEVICE_KIND, name: cr.metadata.name ?? '', uid: String(cr.metadata['uid'] ?? ''), controller: true, blockOwnerDeletion: true };
}

function labels(pool: string): Record<string, string> {
  return { 'app.kubernetes.io/name': AGENT_APP, [MANAGED_BY_LABEL]: MANAGED_BY, [POOL_LABEL]: pool };
}

/** The pool config file: the CR's name and spec, as the agent's parsePoolConfig reads it. */
export function poolConfigText(cr: VirtioCryptoDevice): string {
  return JSON.stringify({ apiVersion: API_VERSION, kind: DEVICE_KIND, metadata: { name: cr.metadata.name }, spec: cr.spec }, null, 2) + '\n';
}

export function desiredObjects(cr: VirtioCryptoDevice, o: AgentOptions): DesiredObjects {
  const pool = cr.metadata.name ?? '';
  const meta = (name: string): KubeObject['metadata'] => ({ name, namespace: o.namespace, labels: labels(pool), ownerReferences: [ownerReference(cr)] });
  const spec = cr.spec;
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(poolConfigMapName(pool)), data: { [POOL_CONFIG_FILE]: poolConfigText(cr) } };
  const podLabels = { 'app.kubernetes.io/name': AGENT_APP, [POOL_LABEL]: pool };
  const container = {
    name: 'agent',
    image: spec.agent.image ?? o.image,
    ...(spec.agent.imagePullPolicy !== undefined ? { imagePullPolicy: spec.agent.imagePullPolicy } : {}),
    args: [
      'agent',
      `--pool-config=${POOL_CONFIG_DIR}/${POOL_CONFIG_FILE}`,
      '--node-name=$(NODE_NAME)',
      `--state-dir=${o.stateDir}`,
      `--device-plugin-dir=${o.devicePluginDir}`,
      `--health-port=${o.metricsPort}`,
    ],
    env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
    ports: [{ name: 'metrics', containerPort: o.metricsPort }],
    readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' } },
    ...(spec.agent.resources !== undefined ? { resources: spec.agent.resources } : {}),
    securityContext: {
      runAsUser: 0,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'] },
    },
    volumeMounts: [
      { name: 'pool-config', mountPath: POOL_CONFIG_DIR, readOnly: true },
      { name: 'device-plugins', mountPath: o.devicePluginDir },
      { name: 'state', mountPath: o.stateDir },
    ],
  };
  const daemonSet: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(agentDaemonSetName(pool)),
    spec: {
      selector: { matchLabels: podLabels },
      // The device processes die with the agent's pod, and with them the VMs' devices: a new
      // image or resources reach a node only when its agent pod is deleted (after its VMs left).
      updateStrategy: { type: 'OnDelete' },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: o.serviceAccountName,
          ...(spec.nodeSelector !== undefined ? { nodeSelector: spec.nodeSelector } : {}),
          ...(spec.tolerations !== undefined ? { tolerations: spec.tolerations } : {}),
          priorityClassName: 'system-node-critical',
          terminationGracePeriodSeconds: 30,
          containers: [container],
          volumes: [
            { name: 'pool-config', configMap: { name: poolConfigMapName(pool) } },
            { name: 'device-plugins', hostPath: { path: o.devicePluginDir, type: 'Directory' } },
            { name: 'state', hostPath: { path: o.stateDir, type: 'DirectoryOrCreate' } },
          ],
        },
      },
    },
  };
  return { configMap, daemonSet };
}

/**
 * Whether every field the operator sets has its desired value in `actual` (fields the API
 * server added by defaulting are ignored, so a second reconcile writes nothing). Lists must have
 * the same length and match item by item.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (Array.isArray(desired)) return Array.isArray(actual) && desired.length === actual.length && desired.every((d, i) => isSubset(d, actual[i]));
  if (desired !== null && typeof desired === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(desired).every(([k, v]) => isSubset(v, (actual as Record<string, unknown>)[k]));
  }
  return desired === actual;
}
