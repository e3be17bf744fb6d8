// SPDX-License-Identifier: Apache-2.0
/**
 * NodeStatePublisher against the FAKE API server: creates the named, labelled object, writes the
 * status through /status, skips a write when only updatedAt changed, and recreates the object
 * after the operator deleted it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, NODE_STATE_KIND, NODE_STATE_PLURAL, VERSION, type VirtioCryptoNodeStateStatus } from '../api/index.js';
import { FakeApiServer, fakeClient } from '../../test/support/fake-apiserver/index.js';
import { NodeStatePublisher } from './publisher.js';

const status = (healthy: boolean, at: string): VirtioCryptoNodeStateStatus => ({
  slots: [{ id: 'p-0', health: healthy ? 'Healthy' : 'Unhealthy', allocated: false }],
  capabilities: { backend: 'software', algorithms: ['aes-cbc'] },
  updatedAt: at,
});

describe('NodeStatePublisher', () => {
  const fake = new FakeApiServer({ extraResources: [{ group: GROUP, version: VERSION, kind: NODE_STATE_KIND, plural: NODE_STATE_PLURAL, namespaced: false, status: true }] });
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('creates, writes status only on change, and recreates after deletion', async () => {
    const pub = new NodeStatePublisher(fakeClient(fake, 'agent'), 'pool', 'node-1');
    const r = fake.resource(NODE_STATE_KIND);
    expect(await pub.publish(status(true, '2026-01-01T00:00:00Z'))).toBe(true);
    const obj = fake.store.get(r, undefined, 'pool-node-1');
    expect(obj.metadata.labels).toEqual({ 'vcrypto.dev/pool': 'pool', 'vcrypto.dev/node': 'node-1' });
    expect(obj['spec']).toEqual({ pool: 'pool', nodeName: 'node-1' });
    expect(obj['status']).toMatchObject({ slots: [{ health: 'Healthy' }] });
    expect(await pub.publish(status(true, '2026-01-01T00:01:00Z'))).toBe(false);
    expect(await pub.publish(status(false, '2026-01-01T00:02:00Z'))).toBe(true);
    fake.store.delete(r, undefined, 'pool-node-1');
    expect(await pub.publish(status(false, '2026-01-01T00:03:00Z'))).toBe(true);
    expect(fake.store.get(r, undefined, 'pool-node-1')['status']).toMatchObject({ slots: [{ health: 'Unhealthy' }] });
    await expect(pub.publish({ ...status(true, 'yesterday') })).rejects.toThrow();
  });
});
