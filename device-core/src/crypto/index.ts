// SPDX-License-Identifier: Apache-2.0
/**
 * crypto/: the virtio-crypto device model.
 * - device.ts: CryptoDevice (config, control and data requests, sessions)
 * - segments.ts: SegmentedRequest, reading/writing by byte counts across a chain
 * - ctrl-request.ts / session-request.ts: control-queue parsing into CreateSessionRequest
 * - data-request.ts: data-queue execution per service
 * - stateless-request.ts: REVISION_1 data requests (unpadded session mode, stateless mode on transient sessions)
 * - session-table.ts: bounded session table, ids never reused
 * - algorithms.ts / config.ts / status.ts: id tables, config space, backend error → status
 */
export { CryptoDevice, type CryptoDeviceOptions, type CryptoStatsSink } from './device.js';
export type { SegmentedRequest } from './segments.js';
export {
  symSessionRequest,
  akcipherSessionRequest,
  type CreateSessionRequest,
  type SymSessionFields,
  type Refusal,
} from './session-request.js';
export { statusName } from './status.js';
