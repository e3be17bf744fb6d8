// SPDX-License-Identifier: Apache-2.0
/**
 * Loads the kubelet device-plugin API (proto/api.proto, package v1beta1) at run time with
 * @grpc/proto-loader. The file is found from the package root (the folder whose package.json
 * names vcrypto), so the same code works from the TypeScript sources and from dist/, which
 * does not copy .proto files. Knows nothing of what a plugin serves.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { findVcryptoRoot } from '../internal/package-root.js';
import { ProtoLoadError } from './errors.js';

function packageRoot(start: string): string {
  const found = findVcryptoRoot(start);
  if ('problem' in found) throw new ProtoLoadError(found.problem, found.cause === undefined ? undefined : { cause: found.cause });
  return found.root;
}

/** The path of api.proto, from sources or dist/. */
export function devicePluginProtoPath(): string {
  return join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'pkg', 'deviceplugin', 'proto', 'api.proto');
}

export interface DevicePluginProtos {
  /** Client for the kubelet's Registration service (and its `.service` definition for fakes). */
  readonly Registration: ServiceClientConstructor;
  /** Client for a plugin's DevicePlugin service (and its `.service` definition to serve it). */
  readonly DevicePlugin: ServiceClientConstructor;
}

let cached: DevicePluginProtos | undefined;

export function loadDevicePluginProtos(): DevicePluginProtos {
  if (cached !== undefined) return cached;
  const path = devicePluginProtoPath();
  let root: GrpcObject;
  try {
    // keepCase: message fields keep the proto's spelling (ID, devices_ids, available_deviceIDs).
    root = loadPackageDefinition(loadSync(path, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true }));
  } catch (e: unknown) {
    throw new ProtoLoadError(`cannot load the device-plugin proto ${path}`, { cause: e });
  }
  const pkg = root['v1beta1'] as Record<string, unknown> | undefined;
  const get = (name: string): ServiceClientConstructor => {
    const svc = pkg?.[name];
    if (typeof svc !== 'function' || !('service' in svc)) throw new ProtoLoadError(`service v1beta1.${name} is missing from ${path}`);
    return svc as ServiceClientConstructor;
  };
  cached = { Registration: get('Registration'), DevicePlugin: get('DevicePlugin') };
  return cached;
}
