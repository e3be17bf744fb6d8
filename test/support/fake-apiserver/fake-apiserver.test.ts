// SPDX-License-Identifier: Apache-2.0
/**
 * The FAKE API server's own tests, driven through pkg/k8s (so through @kubernetes/client-node's
 * HTTP stack): CRUD, resourceVersion conflicts, generation and the status subresource, label
 * selectors, the three patch types, garbage collection, watch replay, 410 Gone and restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Informer, K8sApiError, KubeClient, KubeConnection, RESOURCES, isConflict, isNotFound, type KubeObject } from '../../../pkg/k8s/index.js';
import { FakeApiServer, writeFakeKubeconfig, type FakeResource } from './index.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

const WIDGET: FakeResource = { group: 'example.dev', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: false, status: true };
const WIDGET_REF = { group: 'example.dev', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: false } as const;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('fake API server', () => {
  const fake = new FakeApiServer({ extraResources: [WIDGET], bookmarkIntervalMs: 100 });
  const dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-'));
  let client: KubeClient;

  beforeAll(async () => {
    await fake.start();
    client = new KubeClient(KubeConnection.load(writeFakeKubeconfig(fake, join(dir, 'kubeconfig'), 'tester')));
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, gets, lists by label, updates with resourceVersion checks and deletes', async () => {
    const cm = await client.create<KubeObject>(RESOURCES.configMap, { metadata: { name: 'a', namespace: 'ns', labels: { app: 'x' } }, data: { k: 'v' } });
    expect(cm.metadata.uid).toMatch(/-/);
    await client.create(RESOURCES.configMap, { metadata: { name: 'b', namespace: 'ns', labels: { app: 'y' } } });
    await expect(client.create(RESOURCES.configMap, { metadata: { name: 'a', namespace: 'ns' } })).rejects.toMatchObject({ status: 409, reason: 'AlreadyExists' });
    expect((await client.list(RESOURCES.configMap, { namespace: 'ns', labelSelector: 'app in (x,z)' })).items.map((o) => o.metadata.name)).toEqual(['a']);
    expect((await client.list(RESOURCES.configMap, { labelSelector: 'app!=x' })).items.map((o) => o.metadata.name)).toEqual(['b']);
    const updated = await client.update(RESOURCES.configMap, { ...cm, data: { k: 'w' } });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(cm.metadata.resourceVersion));
    const stale = await client.update(RESOURCES.configMap, { ...cm, data: { k: 'stale' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    await client.delete(RESOURCES.configMap, 'a', 'ns');
    expect(isNotFound(await client.get(RESOURCES.configMap, 'a', 'ns').catch((e: unknown) => e))).toBe(true);
    expect(fake.requests.filter((r) => r.user === 'tester').map((r) => r.verb)).toEqual(expect.arrayContaining(['create', 'list', 'update', 'delete', 'get']));
  });

  it('bumps generation on spec changes only and changes status only through /status', async () => {
    const w = await client.create<KubeObject>(WIDGET_REF, { metadata: { name: 'w1' }, spec: { size: 1 }, status: { ignored: true } });
    expect(w.metadata.generation).toBe(1);
    expect(w['status']).toBeUndefined();
    const labelled = await client.update<KubeObject>(WIDGET_REF, { ...w, metadata: { ...w.metadata, labels: { a: 'b' } } });
    expect(labelled.metadata.generation).toBe(1);
    const withStatus = await client.updateStatus<KubeObject>(WIDGET_REF, { ...labelled, spec: { size: 99 }, status: { ready: 1 } });
    expect(withStatus['spec']).toEqual({ size: 1 });
    expect(withStatus['status']).toEqual({ ready: 1 });
    expect(withStatus.metadata.generation).toBe(1);
    const resized = await client.update<KubeObject>(WIDGET_REF, { ...withStatus, spec: { size: 2 }, status: {} });
    expect(resized.metadata.generation).toBe(2);
    expect(resized['status']).toEqual({ ready: 1 });
  });

  it('applies merge, JSON and strategic merge patches', async () => {
    await client.create(RESOURCES.daemonSet, { metadata: { name: 'ds', namespace: 'ns' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'one' }, { name: 'b', image: 'two' }] } } } });
    const merged = await client.patch<KubeObject>(RESOURCES.daemonSet, 'ds', { metadata: { labels: { x: '1' } } }, 'merge', 'ns');
    expect(merged.metadata.labels).toEqual({ x: '1' });
    const strategic = await client.patch<KubeObject>(RESOURCES.daemonSet, 'ds', { spec: { template: { spec: { containers: [{ name: 'b', image: 'three' }] } } } }, 'strategic', 'ns');
    expect(strategic['spec']).toEqual({ template: { spec: { containers: [{ name: 'a', image: 'one' }, { name: 'b', image: 'three' }] } } });
    const json = await client.patch<KubeObject>(RESOURCES.daemonSet, 'ds', [{ op: 'remove', path: '/metadata/labels/x' }], 'json', 'ns');
    expect(json.metadata.labels).toEqual({});
    expect(mergePatch({ a: { b: 1, c: 2 } }, { a: { b: null } })).toEqual({ a: { c: 2 } });
    expect(jsonPatch({ l: [1, 3] }, [{ op: 'add', path: '/l/1', value: 2 }, { op: 'test', path: '/l/2', value: 3 }])).toEqual({ l: [1, 2, 3] });
    expect(() => jsonPatch({}, [{ op: 'replace', path: '/missing', value: 1 }])).toThrow(/not found/);
    expect(strategicMergePatch({ c: [{ name: 'a' }, { name: 'b' }] }, { c: [{ name: 'a', $patch: 'delete' }] })).toEqual({ c: [{ name: 'b' }] });
    const stale = await client.patch(RESOURCES.daemonSet, 'ds', { metadata: { resourceVersion: '1' } }, 'merge', 'ns').catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(K8sApiError);
    expect(isConflict(stale)).toBe(true);
  });

  it('garbage-collects dependents whose owners are all gone', async () => {
    const owner = await client.create<KubeObject>(WIDGET_REF, { metadata: { name: 'owner' }, spec: {} });
    const ref = { apiVersion: 'example.dev/v1', kind: 'Widget', name: 'owner', uid: owner.metadata.uid ?? '', controller: true };
    await client.create(RESOURCES.serviceAccount, { metadata: { name: 'dep', namespace: 'ns', ownerReferences: [ref] } });
    await client.create(RESOURCES.configMap, { metadata: { name: 'grand', namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'dep', uid: (await client.get(RESOURCES.serviceAccount, 'dep', 'ns')).metadata.uid ?? '' }] } });
    await client.delete(WIDGET_REF, 'owner');
    await until('dependents collected', async () => (await client.list(RESOURCES.configMap, { namespace: 'ns' })).items.every((o) => o.metadata.name !== 'grand'));
    expect(isNotFound(await client.get(RESOURCES.serviceAccount, 'dep', 'ns').catch((e: unknown) => e))).toBe(true);
  });

  it('streams watch events, relists after 410 Gone and survives a restart mid-watch', async () => {
    const informer = new Informer(client, RESOURCES.node, { backoffMs: 50, maxBackoffMs: 200 });
    const seen: string[] = [];
    informer.on((type, o) => seen.push(`${type}:${o.metadata.name}`));
    await client.create(RESOURCES.node, { metadata: { name: 'n1' } });
    await informer.start();
    await until('initial list', () => informer.hasSynced && informer.get('n1') !== undefined);
    await client.create(RESOURCES.node, { metadata: { name: 'n2' } });
    await until('n2 by watch', () => seen.includes('add:n2'));

    await fake.stop();
    fake.store.create(fake.resource('Node'), undefined, { metadata: { name: 'n3' } });
    fake.store.delete(fake.resource('Node'), undefined, 'n1');
    fake.store.compact();
    await fake.start();
    await until('relisted after the restart and 410', () => informer.get('n3') !== undefined && informer.get('n1') === undefined, 20_000);
    expect(seen).toEqual(expect.arrayContaining(['add:n3', 'delete:n1']));
    await client.create(RESOURCES.node, { metadata: { name: 'n4' } });
    await until('watching again', () => informer.get('n4') !== undefined);
    await informer.stop();
  });

  it('turns label changes into ADDED and DELETED on a filtered watch', async () => {
    const informer = new Informer(client, RESOURCES.configMap, { namespace: 'sel', labelSelector: 'team=a' });
    await informer.start();
    const cm = await client.create<KubeObject>(RESOURCES.configMap, { metadata: { name: 'x', namespace: 'sel', labels: { team: 'b' } } });
    const moved = await client.update<KubeObject>(RESOURCES.configMap, { ...cm, metadata: { ...cm.metadata, labels: { team: 'a' } } });
    await until('entered the selection', () => informer.get('x', 'sel') !== undefined);
    await client.update(RESOURCES.configMap, { ...moved, metadata: { ...moved.metadata, labels: { team: 'c' } } });
    await until('left the selection', () => informer.get('x', 'sel') === undefined);
    await informer.stop();
  });

  it('answers a watch from a compacted resourceVersion with a 410 ERROR event, and injects faults', async () => {
    fake.store.compact();
    const res = await fetch(`${fake.url}/api/v1/nodes?watch=true&resourceVersion=1`);
    const line = (await res.text()).trim();
    expect(JSON.parse(line)).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Gone' } });
    fake.injectFault({ verb: 'get', resource: 'nodes', code: 503, times: 1 });
    await expect(client.get(RESOURCES.node, 'n2')).rejects.toMatchObject({ status: 503 });
    expect((await client.get(RESOURCES.node, 'n2')).metadata.name).toBe('n2');
  });

  it('serves discovery for client-node', async () => {
    const groups = (await (await fetch(`${fake.url}/apis`)).json()) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['apps', 'coordination.k8s.io', 'example.dev']));
    const rl = (await (await fetch(`${fake.url}/apis/example.dev/v1`)).json()) as { resources: { name: string }[] };
    expect(rl.resources.map((r) => r.name)).toEqual(['widgets', 'widgets/status']);
  });
});
