// SPDX-License-Identifier: Apache-2.0
/**
 * vhost-user error catalog. A VhostUserProtocolError means the frontend broke the protocol: its
 * connection is closed (fds too) and the process keeps serving. Codes are never reused.
 */
export class VhostUserError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'VhostUserError';
  }
}

export class VhostUserProtocolError extends VhostUserError {
  constructor(message: string, options?: ErrorOptions) {
    super('VCRYPTO_ERR_VHU_PROTOCOL', message, options);
    this.name = 'VhostUserProtocolError';
  }
}

export class VhostUserSocketError extends VhostUserError {
  constructor(message: string, options?: ErrorOptions) {
    super('VCRYPTO_ERR_VHU_SOCKET', message, options);
    this.name = 'VhostUserSocketError';
  }
}
