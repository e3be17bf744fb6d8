// SPDX-License-Identifier: Apache-2.0
/**
 * pkg/deviceplugin: a generic kubelet device-plugin framework (API v1beta1), the only importer
 * of @grpc/grpc-js besides pkg/kubevirt. Device-agnostic.
 * - api.ts: Scanner/Notifier/DeviceTree and optional Allocator/PreferredAllocator/PreStarter
 * - server.ts: one resource's gRPC plugin: serve, register, ListAndWatch, Allocate, kubelet restarts
 * - manager.ts: runs a Scanner and keeps one server per resource
 * - protos.ts: loads proto/api.proto (from sources or dist/)
 * - errors.ts: VCRYPTO_ERR_DP_* catalog
 */
export * from './api.js';
export * from './errors.js';
export { DevicePluginServer, socketNameFor, WATCH_INTERVAL_MS, REGISTER_RETRY_MS, type PluginServer, type PluginServerOptions, type PluginServerState, type PluginHandlers } from './server.js';
export { Manager, SERVER_START_RETRY_MS, type ManagerOptions, type ServerFactory } from './manager.js';
export { loadDevicePluginProtos, devicePluginProtoPath, type DevicePluginProtos } from './protos.js';
