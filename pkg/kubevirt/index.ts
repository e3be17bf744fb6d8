// SPDX-License-Identifier: Apache-2.0
/**
 * pkg/kubevirt: the KubeVirt hook sidecar contract and the domain-XML rewriting behind it.
 * The only import path for cmd/ and tests outside this folder. Files:
 *   errors.ts        VCRYPTO_ERR_KV_* catalog
 *   vmi.ts           zod schema of the VMI fields read; device count; migration intent
 *   hook-options.ts  hook options, VMI annotation overrides, their schemas
 *   qemu-version.ts  QEMU version parsing; reconnect vs reconnect-ms
 *   device-args.ts   QEMU arguments per device slot (cryptodev and device mode)
 *   xml-layout.ts    indentation-preserving insert/remove on an xmldom tree
 *   domain-xml.ts    shared memfd memory backing; owning our <qemu:arg> pairs
 *   transform.ts     one OnDefineDomain as a pure function
 *   hook-protos.ts   loads proto/*.proto from the package root
 *   hook-server.ts   the gRPC Info + Callbacks server on a unix socket
 */
export * from './errors.js';
export * from './vmi.js';
export * from './hook-options.js';
export * from './qemu-version.js';
export * from './device-args.js';
export { ensureSharedMemory, machineType, parseDomain, qemuArgValues, QEMU_NS, replaceQemuArgs, serializeDomain } from './domain-xml.js';
export * from './transform.js';
export * from './hook-protos.js';
export * from './hook-server.js';
