// SPDX-License-Identifier: Apache-2.0
/**
 * pkg/controllers: the operator's controllers.
 * - manager.ts: informers, work queue, resync, leader election, metrics wiring
 * - runtime/work-queue.ts: keyed, deduplicating, rate-limited work queue
 * - virtiocryptodevice/: the VirtioCryptoDevice controller — desired.ts (owned objects, pure),
 *   status.ts (node selection and status, pure), conditions.ts (types and reasons),
 *   reconciler.ts (the reconcile steps), resources.ts (REST descriptors of our kinds)
 * Add a controller: a folder like virtiocryptodevice/ and its informers and queue in manager.ts.
 */
export { OperatorManager, type OperatorOptions } from './manager.js';
export { type AgentOptions, agentDaemonSetName, poolConfigMapName } from './virtiocryptodevice/desired.js';
export { CONDITION, REASON } from './virtiocryptodevice/conditions.js';
export { DEVICE_RESOURCE, NODE_STATE_RESOURCE } from './virtiocryptodevice/resources.js';
