// SPDX-License-Identifier: Apache-2.0
/**
 * The error catalog of pkg/kubevirt: one base class with a stable `code`, one subclass per case,
 * lower errors kept as `cause`. Codes are VCRYPTO_ERR_KV_*, never reused, each documented in
 * docs/errors.md. Knows nothing of gRPC status codes or exit codes: the hook server and cmd/
 * map these where they stop propagating.
 */
export const KV_ERROR_CODES = {
  /** The VMI JSON handed to the hook is not JSON or lacks the fields the hook reads. */
  VMI_INVALID: 'VCRYPTO_ERR_KV_VMI_INVALID',
  /** The domain XML is not well-formed or its root is not <domain>. */
  DOMAIN_INVALID: 'VCRYPTO_ERR_KV_DOMAIN_INVALID',
  /** The VMI asks for devices in a way the hook cannot honour (bad count, bad annotation). */
  REQUEST_INVALID: 'VCRYPTO_ERR_KV_REQUEST_INVALID',
  /** The hook's .proto files could not be found or loaded. */
  PROTO_LOAD: 'VCRYPTO_ERR_KV_PROTO_LOAD',
  /** The hook socket could not be created or served. */
  SOCKET: 'VCRYPTO_ERR_KV_SOCKET',
} as const;
export type KvErrorCode = (typeof KV_ERROR_CODES)[keyof typeof KV_ERROR_CODES];

export class KubevirtError extends Error {
  readonly code: KvErrorCode;
  constructor(code: KvErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubevirtError';
    this.code = code;
  }
}

export class VmiInvalidError extends KubevirtError {
  constructor(message: string, options?: ErrorOptions) {
    super(KV_ERROR_CODES.VMI_INVALID, message, options);
    this.name = 'VmiInvalidError';
  }
}

export class DomainInvalidError extends KubevirtError {
  constructor(message: string, options?: ErrorOptions) {
    super(KV_ERROR_CODES.DOMAIN_INVALID, message, options);
    this.name = 'DomainInvalidError';
  }
}

export class RequestInvalidError extends KubevirtError {
  constructor(message: string, options?: ErrorOptions) {
    super(KV_ERROR_CODES.REQUEST_INVALID, message, options);
    this.name = 'RequestInvalidError';
  }
}

export class ProtoLoadError extends KubevirtError {
  constructor(message: string, options?: ErrorOptions) {
    super(KV_ERROR_CODES.PROTO_LOAD, message, options);
    this.name = 'ProtoLoadError';
  }
}

export class HookSocketError extends KubevirtError {
  constructor(message: string, options?: ErrorOptions) {
    super(KV_ERROR_CODES.SOCKET, message, options);
    this.name = 'HookSocketError';
  }
}

export function getErrorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
