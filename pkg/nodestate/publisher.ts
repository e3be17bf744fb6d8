// SPDX-License-Identifier: Apache-2.0
/**
 * The agent's side of VirtioCryptoNodeState: publishes what one node serves for one pool. Creates
 * the object (`<pool>-<node>`, labelled with both, spec {pool, nodeName}) when it is missing and
 * writes the status through the status subresource, only when it changed. The operator deletes
 * node states of nodes that left the pool; a publisher simply creates it again if its node is
 * back. RBAC it needs (charts/vcrypto/templates/agent-rbac.yaml, checked by test/chart/rbac.test.ts):
 *   virtiocryptonodestates: get, create; virtiocryptonodestates/status: update
 * Knows nothing of slots or processes: the caller passes the status.
 */
import { isDeepStrictEqual } from 'node:util';
import { API_VERSION, NODE_STATE_KIND, NODE_STATE_PLURAL, GROUP, VERSION, VirtioCryptoNodeStateStatusSchema, nodeStateLabels, nodeStateName, type VirtioCryptoNodeStateStatus } from '../api/index.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, type KubeObject, type ResourceRef } from '../k8s/index.js';

const NODE_STATES: ResourceRef = { group: GROUP, version: VERSION, kind: NODE_STATE_KIND, plural: NODE_STATE_PLURAL, namespaced: false };

export class NodeStatePublisher {
  constructor(private readonly client: KubeClient, private readonly pool: string, private readonly node: string) {}

  /** Writes `status` (validated with pkg/api's schema); returns whether it wrote. Retries once on a conflict. */
  async publish(status: VirtioCryptoNodeStateStatus): Promise<boolean> {
    const parsed = VirtioCryptoNodeStateStatusSchema.parse(status);
    for (let attempt = 0; ; attempt++) {
      const current = await this.getOrCreate();
      const { updatedAt: _a, ...now } = parsed;
      const before = current['status'] as VirtioCryptoNodeStateStatus | undefined;
      if (before !== undefined) {
        const { updatedAt: _b, ...was } = before;
        if (isDeepStrictEqual(JSON.parse(JSON.stringify(now)), was)) return false;
      }
      try {
        await this.client.updateStatus(NODE_STATES, { ...current, status: parsed });
        return true;
      } catch (e: unknown) {
        if (attempt > 0 || !(isConflict(e) || isNotFound(e))) throw e;
      }
    }
  }

  private async getOrCreate(): Promise<KubeObject> {
    const name = nodeStateName(this.pool, this.node);
    try {
      return await this.client.get(NODE_STATES, name);
    } catch (e: unknown) {
      if (!isNotFound(e)) throw e;
    }
    try {
      return await this.client.create(NODE_STATES, { apiVersion: API_VERSION, kind: NODE_STATE_KIND, metadata: { name, labels: nodeStateLabels(this.pool, this.node) }, spec: { pool: this.pool, nodeName: this.node } });
    } catch (e: unknown) {
      if (!isAlreadyExists(e)) throw e;
      return this.client.get(NODE_STATES, name);
    }
  }
}
