// SPDX-License-Identifier: Apache-2.0
/**
 * Host/environment errors of the kernel backend (they fail start-up; requests never see them):
 * AF_ALG missing from the running kernel, /proc/crypto unreadable, a --kernel-driver that serves
 * nothing we map. Request-time failures are BackendErrors (../types.ts).
 */
export class KernelBackendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'KernelBackendError';
  }
}

/** AF_ALG is not in this kernel (socket(AF_ALG) fails with EAFNOSUPPORT), or /proc/crypto is unreadable. */
export class KernelUnavailableError extends KernelBackendError {
  constructor(message: string, options?: ErrorOptions) {
    super('VCRYPTO_ERR_BACKEND_KERNEL_UNAVAILABLE', message, options);
    this.name = 'KernelUnavailableError';
  }
}

/** --kernel-driver names a driver that serves none of the algorithms the backend maps. */
export class KernelDriverError extends KernelBackendError {
  constructor(message: string, options?: ErrorOptions) {
    super('VCRYPTO_ERR_BACKEND_KERNEL_DRIVER', message, options);
    this.name = 'KernelDriverError';
  }
}
