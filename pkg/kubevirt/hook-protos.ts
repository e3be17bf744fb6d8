// SPDX-License-Identifier: Apache-2.0
/**
 * Loads KubeVirt's hook API (.proto files in pkg/kubevirt/proto/) at run time with
 * @grpc/proto-loader. The files are found from the package root (the folder holding vcrypto's
 * package.json), so the same code works from the TypeScript sources and from the compiled
 * dist/ tree, which does not copy .proto files. Knows nothing of what the hook does.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { findVcryptoRoot } from '../internal/package-root.js';
import { ProtoLoadError } from './errors.js';

export const HOOK_VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3'] as const;
export type HookVersion = (typeof HOOK_VERSIONS)[number];

export const HOOK_PROTO_FILES = ['info.proto', 'v1alpha1.proto', 'v1alpha2.proto', 'v1alpha3.proto'] as const;

function packageRoot(start: string): string {
  const found = findVcryptoRoot(start);
  if ('problem' in found) throw new ProtoLoadError(found.problem, found.cause === undefined ? undefined : { cause: found.cause });
  return found.root;
}

/** The folder holding the hook .proto files. */
export function hookProtoDir(): string {
  return join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'pkg', 'kubevirt', 'proto');
}

export interface HookServices {
  readonly info: ServiceDefinition;
  readonly callbacks: Readonly<Record<HookVersion, ServiceDefinition>>;
  /** Client constructors, for the fake virt-launcher in tests and for debugging tools. */
  readonly clients: {
    readonly info: ServiceClientConstructor;
    readonly callbacks: Readonly<Record<HookVersion, ServiceClientConstructor>>;
  };
}

function lookup(root: GrpcObject, path: string): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function' || !('service' in node)) throw new ProtoLoadError(`service ${path} is missing from the hook protos`);
  return node as ServiceClientConstructor;
}

let cached: HookServices | undefined;

export function loadHookServices(protoDir: string = hookProtoDir()): HookServices {
  if (cached !== undefined && protoDir === hookProtoDir()) return cached;
  let root: GrpcObject;
  try {
    const def = loadSync(
      HOOK_PROTO_FILES.map((f) => join(protoDir, f)),
      // keepCase: the wire names (domainXML, hookPoints) are the field names; bytes stay Buffers.
      { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
    );
    root = loadPackageDefinition(def);
  } catch (e: unknown) {
    throw new ProtoLoadError(`cannot load the KubeVirt hook protos from ${protoDir}`, { cause: e });
  }
  const info = lookup(root, 'kubevirt.hooks.info.Info');
  const cb = (v: HookVersion): ServiceClientConstructor => lookup(root, `kubevirt.hooks.${v}.Callbacks`);
  const clients = { info, callbacks: { v1alpha1: cb('v1alpha1'), v1alpha2: cb('v1alpha2'), v1alpha3: cb('v1alpha3') } };
  const services: HookServices = {
    info: info.service,
    callbacks: {
      v1alpha1: clients.callbacks.v1alpha1.service,
      v1alpha2: clients.callbacks.v1alpha2.service,
      v1alpha3: clients.callbacks.v1alpha3.service,
    },
    clients,
  };
  if (protoDir === hookProtoDir()) cached = services;
  return services;
}
