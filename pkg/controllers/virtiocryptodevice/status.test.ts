// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import type { VirtioCryptoNodeState } from '../../api/index.js';
import { computeStatus, outdatedAgents, selectedNodes, type NodeInfo, type Observed } from './status.js';

const NOW = '2026-01-01T00:00:00Z';
const LATER = '2026-01-01T00:05:00Z';

function state(node: string, health: ('Healthy' | 'Unhealthy')[], extra: { lastError?: string; hardwareDriver?: string } = {}): VirtioCryptoNodeState {
  return {
    apiVersion: 'vcrypto.dev/v1alpha1', kind: 'VirtioCryptoNodeState', metadata: { name: `p-${node}` }, spec: { pool: 'p', nodeName: node },
    status: {
      slots: health.map((h, i) => ({ id: `s${i}`, health: h, allocated: i === 0 })),
      capabilities: { backend: extra.hardwareDriver !== undefined ? 'kernel' : 'software', algorithms: ['aes-cbc'], ...(extra.hardwareDriver !== undefined ? { hardwareDriver: extra.hardwareDriver } : {}) },
      updatedAt: NOW,
      ...(extra.lastError !== undefined ? { lastError: extra.lastError } : {}),
    },
  };
}

const base: Observed = { generation: 3, desiredNodes: ['a', 'b'], states: [], conflictingPools: [], resourceName: 'vcrypto.dev/p' };
const reasons = (o: Observed): string[] => (computeStatus(o, undefined, NOW).conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('selectedNodes', () => {
  const nodes: NodeInfo[] = [
    { name: 'plain', labels: { pool: 'p' }, taints: [] },
    { name: 'other', labels: { pool: 'q' }, taints: [] },
    { name: 'tainted', labels: { pool: 'p' }, taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] },
    { name: 'soft', labels: { pool: 'p' }, taints: [{ key: 'x', effect: 'PreferNoSchedule' }] },
  ];
  it.each([
    [{ nodeSelector: { pool: 'p' } }, ['plain', 'soft']],
    [{ nodeSelector: { pool: 'p' }, tolerations: [{ key: 'gpu', operator: 'Equal' as const, value: 'yes' }] }, ['plain', 'soft', 'tainted']],
    [{ nodeSelector: { pool: 'p' }, tolerations: [{ key: 'gpu', operator: 'Equal' as const, value: 'no' }] }, ['plain', 'soft']],
    [{ tolerations: [{ operator: 'Exists' as const }] }, ['other', 'plain', 'soft', 'tainted']],
    [{}, ['other', 'plain', 'soft']],
  ])('%j selects %j', (spec, expected) => {
    expect(selectedNodes(spec, nodes)).toEqual(expected);
  });
});

describe('computeStatus', () => {
  it.each<[string, Observed, string[]]>([
    ['no nodes', { ...base, desiredNodes: [] }, ['Available=False/NoNodesSelected', 'Progressing=False/NoNodesSelected', 'Degraded=False/AsExpected']],
    ['no reports yet', base, ['Available=False/NoNodeReady', 'Progressing=True/WaitingForAgents', 'Degraded=False/AsExpected']],
    ['one of two ready', { ...base, states: [state('a', ['Healthy'])] }, ['Available=True/AgentsReady', 'Progressing=True/WaitingForAgents', 'Degraded=False/AsExpected']],
    ['all ready, one slot down', { ...base, states: [state('a', ['Healthy']), state('b', ['Healthy', 'Unhealthy'])] }, ['Available=True/AgentsReady', 'Progressing=False/AllNodesReady', 'Degraded=True/SlotsUnhealthy']],
    ['agent error wins over slots', { ...base, states: [state('a', ['Unhealthy'], { lastError: 'boom' }), state('b', ['Healthy'])] }, ['Available=True/AgentsReady', 'Progressing=True/WaitingForAgents', 'Degraded=True/AgentError']],
    ['resource name conflict wins', { ...base, conflictingPools: ['q'], states: [state('a', ['Healthy']), state('b', ['Healthy'])] }, ['Available=True/AgentsReady', 'Progressing=False/AllNodesReady', 'Degraded=True/ResourceNameConflict']],
    ['invalid spec', { ...base, specError: 'spec.slotsPerNode: must be an integer from 0 to 256' }, ['Available=False/InvalidSpec', 'Progressing=False/InvalidSpec', 'Degraded=True/InvalidSpec']],
  ])('%s', (_name, observed, expected) => {
    expect(reasons(observed)).toEqual(expected);
  });

  it('stays Progressing while agent pods run an older DaemonSet template, once every node is ready', () => {
    const ready = { ...base, states: [state('a', ['Healthy']), state('b', ['Healthy'])] };
    expect(reasons({ ...ready, outdatedAgents: 1 })).toContain('Progressing=True/AgentUpdatePending');
    expect(reasons({ ...ready, outdatedAgents: 0 })).toContain('Progressing=False/AllNodesReady');
    // A node without a ready agent says so first.
    expect(reasons({ ...base, states: [state('a', ['Healthy'])], outdatedAgents: 1 })).toContain('Progressing=True/WaitingForAgents');
  });

  it('counts outdated agent pods only once the DaemonSet controller saw the current generation', () => {
    const ds = (generation: number, observed: number | undefined, desired: number, updated: number) => ({
      metadata: { generation },
      status: { ...(observed !== undefined ? { observedGeneration: observed } : {}), desiredNumberScheduled: desired, updatedNumberScheduled: updated },
    });
    expect(outdatedAgents(ds(2, 2, 3, 1))).toBe(2);
    expect(outdatedAgents(ds(2, 2, 3, 3))).toBe(0);
    expect(outdatedAgents(ds(3, 2, 3, 3))).toBe(0); // the controller has not seen generation 3 yet
    expect(outdatedAgents(ds(2, undefined, 3, 0))).toBe(0);
    expect(outdatedAgents({ metadata: {} })).toBe(0);
  });

  it('counts nodes and slots and lists capabilities by node', () => {
    const s = computeStatus({ ...base, states: [state('b', ['Healthy', 'Unhealthy'], { hardwareDriver: 'qat_aes_cbc' }), state('a', ['Healthy'])] }, undefined, NOW);
    expect(s).toMatchObject({
      observedGeneration: 3,
      nodes: { desired: 2, ready: 2 },
      slots: { total: 3, healthy: 2, allocated: 2 },
      nodeCapabilities: [{ node: 'a', backend: 'software', hardwareDriver: 'none' }, { node: 'b', backend: 'kernel', hardwareDriver: 'qat_aes_cbc' }],
    });
  });

  it('keeps lastTransitionTime while a condition keeps its status and moves it when the status flips', () => {
    const first = computeStatus(base, undefined, NOW);
    const same = computeStatus({ ...base, generation: 4 }, first, LATER);
    expect(same.conditions?.map((c) => c.lastTransitionTime)).toEqual([NOW, NOW, NOW]);
    const flipped = computeStatus({ ...base, states: [state('a', ['Healthy']), state('b', ['Healthy'])] }, first, LATER);
    expect(flipped.conditions?.map((c) => `${c.type}:${c.lastTransitionTime}`)).toEqual([`Available:${LATER}`, `Progressing:${LATER}`, `Degraded:${NOW}`]);
  });
});
