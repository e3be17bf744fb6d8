// SPDX-License-Identifier: Apache-2.0
/**
 * Error helpers shared by every device-core layer: the bug class for broken invariants and
 * a safe message extractor. Layer-specific catalogs live in each module's errors.ts.
 */

/** A broken invariant: never caught except by the top-level crash handler. */
export class BugIndicatingError extends Error {
  readonly code = 'VCRYPTO_ERR_BUG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BugIndicatingError';
  }
}

export function assertInvariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new BugIndicatingError(message);
}

export function getErrorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
