// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { parseDevice } from '../../api/index.js';
import { checkK8sModel } from '../../../test/support/k8s-model-check.js';
import { desiredObjects, isSubset, type AgentOptions } from './desired.js';

const OPTIONS: AgentOptions = { namespace: 'ns', image: 'img:1', serviceAccountName: 'vcrypto-agent', stateDir: '/var/lib/vcrypto', devicePluginDir: '/var/lib/kubelet/device-plugins', metricsPort: 9464 };
const cr = parseDevice({ apiVersion: 'vcrypto.dev/v1alpha1', kind: 'VirtioCryptoDevice', metadata: { name: 'fast', uid: 'u-1', generation: 1 }, spec: { slotsPerNode: 3, backend: { type: 'software' }, tolerations: [{ key: 'k', operator: 'Exists' }] } });

describe('desiredObjects', () => {
  const { configMap, daemonSet } = desiredObjects(cr, OPTIONS);
  type Pod = { spec: { template: { spec: { tolerations: unknown[]; containers: { image: string; args: string[]; securityContext: Record<string, unknown> }[]; volumes: { name: string; hostPath?: { path: string } }[] } } } };
  const pod = (daemonSet as unknown as Pod).spec.template.spec;

  it('owns both objects through a controller owner reference to the pool', () => {
    for (const o of [configMap, daemonSet]) {
      expect(o.metadata.namespace).toBe('ns');
      expect(o.metadata.ownerReferences).toEqual([{ apiVersion: 'vcrypto.dev/v1alpha1', kind: 'VirtioCryptoDevice', name: 'fast', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
      expect(o.metadata.labels?.['vcrypto.dev/pool']).toBe('fast');
    }
  });

  it('writes the pool as a VirtioCryptoDevice the API schema accepts (the agent parser is checked in test/integration)', () => {
    const text = (configMap['data'] as Record<string, string>)['pool.json'] ?? '';
    const pool = parseDevice(JSON.parse(text));
    expect(pool.metadata.name).toBe('fast');
    expect(pool.spec).toEqual(cr.spec);
  });

  it('writes a DaemonSet and a ConfigMap that match their Kubernetes API types field by field', () => {
    expect(checkK8sModel(daemonSet, 'V1DaemonSet')).toEqual([]);
    expect(checkK8sModel(configMap, 'V1ConfigMap')).toEqual([]);
  });

  it('never rolls agent pods on its own: a pod runs the device processes of connected VMs', () => {
    expect((daemonSet['spec'] as { updateStrategy: unknown }).updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it('runs the agent unprivileged with three capabilities and only the host folders it needs', () => {
    const c = pod.containers[0];
    expect(c?.image).toBe('img:1');
    expect(c?.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'] } });
    expect(pod.volumes.flatMap((v) => (v.hostPath !== undefined ? [v.hostPath.path] : [])).sort()).toEqual(['/var/lib/kubelet/device-plugins', '/var/lib/vcrypto']);
    expect(pod.tolerations).toEqual([{ key: 'k', operator: 'Exists' }]);
    expect(c?.args).toEqual(expect.arrayContaining(['agent', '--node-name=$(NODE_NAME)', '--health-port=9464']));
  });
});

describe('isSubset', () => {
  it.each([
    [{ a: 1 }, { a: 1, defaulted: true }, true],
    [{ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 2, d: 3 }] } }, true],
    [{ a: [1] }, { a: [1, 2] }, false],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: { b: 1 } }, { a: null }, false],
  ])('%j within %j: %s', (desired, actual, expected) => {
    expect(isSubset(desired, actual)).toBe(expected);
  });
});
