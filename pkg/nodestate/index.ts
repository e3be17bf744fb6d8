// SPDX-License-Identifier: Apache-2.0
/**
 * pkg/nodestate: what the node agent publishes about one pool on its node.
 * - publisher.ts: NodeStatePublisher (create the VirtioCryptoNodeState, write its status when it changed)
 */
export { NodeStatePublisher } from './publisher.js';
