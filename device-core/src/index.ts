// SPDX-License-Identifier: Apache-2.0
/**
 * device-core's public API: the only import path for pkg/ and cmd/.
 * Owns nothing itself; re-exports the pieces a device process is built from.
 */

export { CryptoDevice, type CryptoDeviceOptions, type CryptoStatsSink } from './crypto/device.js';
export { createCryptoBackend, BACKEND_KINDS, SERVICE_NAMES, type BackendKind, type CryptoBackend, type BackendCapabilities, type ServiceName } from './backends/index.js';
export { ALGORITHM_NAMES } from './crypto/algorithms.js';
export { statusName } from './crypto/status.js';
export { VhostUserServer, type ServerEvents } from './vhost-user/server.js';
export { MAX_POLL_US } from './vhost-user/vring.js';
export { VhostUserCrypto } from './vhu-crypto.js';
export { RingWorkerPool, type RingWorkerPoolOptions } from './vhost-user/ring-worker-pool.js';
export { RingHost } from './vhost-user/ring-worker-host.js';
export type { WorkerEndPorts } from './vhost-user/ring-worker-channel.js';
export { isMirrorMessage, type MirrorMessage, type SessionMirror } from './crypto/session-mirror.js';
export { NativeAddonError } from './os/index.js';
export { parseTraceSelection, type Tracer, type TraceFields } from './util/trace.js';
export { getErrorMessage } from './util/errors.js';
export { VhostUserFrontend, type FrontendOptions, type SubmitOptions, type PreparedRequest } from './testing/frontend.js';
export { LAYOUTS, ctrl, data, sessionInput, type Layout, type LogicalRequest } from './testing/request-builder.js';
export {
  VIRTIO_CRYPTO_AEAD,
  VIRTIO_CRYPTO_CIPHER,
  VIRTIO_CRYPTO_HASH,
  VIRTIO_CRYPTO_MAC,
  VIRTIO_CRYPTO_OP_DECRYPT,
  VIRTIO_CRYPTO_OP_ENCRYPT,
  VIRTIO_CRYPTO_STATUS,
} from './spec/virtio-crypto.js';
export { buildCases, buildStatelessCases, STATELESS_FEATURES, runCases, frontendTransport, cryptodevGuestConfig, type CaseResult } from './selftest/index.js';
