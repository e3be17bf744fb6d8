// SPDX-License-Identifier: Apache-2.0
/**
 * Typed errors of the Kubernetes client wrapper. An API error carries the HTTP code and the
 * metav1.Status reason; callers branch on `isNotFound` / `isConflict`, never on message text.
 */

export class K8sApiError extends Error {
  readonly code = 'VCRYPTO_ERR_K8S_API';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'K8sApiError';
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof K8sApiError && e.status === 404;
}

export function isConflict(e: unknown): boolean {
  return e instanceof K8sApiError && e.status === 409 && e.reason !== 'AlreadyExists';
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof K8sApiError && e.status === 409 && e.reason === 'AlreadyExists';
}
