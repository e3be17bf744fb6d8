// SPDX-License-Identifier: Apache-2.0
/**
 * The examples a person copies stay consistent with the hook: the VM's hookSidecars annotation
 * is the JSON KubeVirt expects and runs `kubevirt-hook`, the VM does not try to live-migrate,
 * and a VMI made from its template asks the hook for exactly one device of the example pool.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_HOOK_OPTIONS, migrationIntent, parseDomain, qemuArgValues, transformDomain, VmiSchema } from '../../pkg/kubevirt/index.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const vm = parse(readFileSync(join(examples, 'vm-with-crypto.yaml'), 'utf8')) as {
  kind: string;
  spec: { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } };
};
const pool = parse(readFileSync(join(examples, 'virtiocryptodevice.yaml'), 'utf8')) as {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: { resourceName: string };
};

describe('examples', () => {
  it('declares a cluster-scoped VirtioCryptoDevice whose resource the VM requests', () => {
    expect([pool.apiVersion, pool.kind]).toEqual(['vcrypto.dev/v1alpha1', 'VirtioCryptoDevice']);
    expect(pool.metadata['namespace']).toBeUndefined();
    const limits = (vm.spec.template.spec['domain'] as { resources: { limits: Record<string, string> } }).resources.limits;
    expect(limits[pool.spec.resourceName]).toBe('1');
  });

  it('runs the hook sidecar from a valid hookSidecars annotation and never live-migrates', () => {
    const sidecars = JSON.parse(vm.spec.template.metadata.annotations['hooks.kubevirt.io/hookSidecars'] ?? '') as { image: string; args: string[] }[];
    expect(sidecars).toHaveLength(1);
    expect(sidecars[0]?.args[0]).toBe('kubevirt-hook');
    expect(sidecars[0]?.image).toMatch(/^ghcr\.io\/vcrypto\/vcrypto:/);
    expect(vm.spec.template.spec['evictionStrategy']).toBe('None');
  });

  it('gives the hook a VMI that asks for one device', () => {
    const vmi = { metadata: { name: 'vm-crypto', namespace: 'default', annotations: vm.spec.template.metadata.annotations }, spec: vm.spec.template.spec };
    expect(migrationIntent(VmiSchema.parse(vmi))).toBeUndefined();
    const domain = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'kubevirt', 'domain.xml'), 'utf8');
    const out = transformDomain(domain, JSON.stringify(vmi), DEFAULT_HOOK_OPTIONS);
    expect(out.deviceCount).toBe(1);
    expect(qemuArgValues(parseDomain(out.xml)).filter((a) => a.startsWith('virtio-crypto-pci'))).toHaveLength(1);
  });
});
