// SPDX-License-Identifier: Apache-2.0
/**
 * The error catalog of pkg/deviceplugin: one base class with a stable `code`, one subclass per
 * case, lower errors kept as `cause`. Codes are VCRYPTO_ERR_DP_*, never reused, each listed in
 * docs/node-agent.md. Knows nothing of gRPC status codes or exit codes: server.ts maps these to
 * gRPC statuses, cmd/ to exit codes.
 */
export const DP_ERROR_CODES = {
  /** The device-plugin .proto could not be found or loaded. */
  PROTO_LOAD: 'VCRYPTO_ERR_DP_PROTO_LOAD',
  /** The plugin socket could not be created or served in the device-plugins folder. */
  SOCKET: 'VCRYPTO_ERR_DP_SOCKET',
  /** The kubelet refused the registration or could not be reached. */
  REGISTER: 'VCRYPTO_ERR_DP_REGISTER',
  /** Allocate (or a preferred allocation) named a device id this plugin does not advertise. */
  UNKNOWN_DEVICE: 'VCRYPTO_ERR_DP_UNKNOWN_DEVICE',
  /** Allocate could not hand out a known device (for example a slot being retired). */
  ALLOCATE: 'VCRYPTO_ERR_DP_ALLOCATE',
} as const;
export type DpErrorCode = (typeof DP_ERROR_CODES)[keyof typeof DP_ERROR_CODES];

export class DevicePluginError extends Error {
  readonly code: DpErrorCode;
  constructor(code: DpErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DevicePluginError';
    this.code = code;
  }
}

export class ProtoLoadError extends DevicePluginError {
  constructor(message: string, options?: ErrorOptions) {
    super(DP_ERROR_CODES.PROTO_LOAD, message, options);
    this.name = 'ProtoLoadError';
  }
}

export class PluginSocketError extends DevicePluginError {
  constructor(message: string, options?: ErrorOptions) {
    super(DP_ERROR_CODES.SOCKET, message, options);
    this.name = 'PluginSocketError';
  }
}

export class RegisterError extends DevicePluginError {
  constructor(message: string, options?: ErrorOptions) {
    super(DP_ERROR_CODES.REGISTER, message, options);
    this.name = 'RegisterError';
  }
}

export class UnknownDeviceError extends DevicePluginError {
  constructor(message: string, options?: ErrorOptions) {
    super(DP_ERROR_CODES.UNKNOWN_DEVICE, message, options);
    this.name = 'UnknownDeviceError';
  }
}

export class AllocateError extends DevicePluginError {
  constructor(message: string, options?: ErrorOptions) {
    super(DP_ERROR_CODES.ALLOCATE, message, options);
    this.name = 'AllocateError';
  }
}

export function getErrorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
