// SPDX-License-Identifier: Apache-2.0
/**
 * The error catalog of pkg/api: VCRYPTO_ERR_API_*, never reused, each listed in docs/api.md.
 * An ApiValidationError carries one readable line per bad field (`spec.slotsPerNode: must be an
 * integer from 0 to 256`) and keeps the zod error as `cause`. Knows nothing of exit codes or HTTP
 * statuses: cmd/ and controllers map these where they stop propagating.
 */
export const API_ERROR_CODES = {
  /** An object or spec fails the VirtioCryptoDevice / VirtioCryptoNodeState schema. */
  INVALID: 'VCRYPTO_ERR_API_INVALID',
} as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[keyof typeof API_ERROR_CODES];

/** One bad field: its path as written in YAML (`spec.tolerations[0].operator`) and what is allowed. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

export class ApiValidationError extends Error {
  readonly code: ApiErrorCode = API_ERROR_CODES.INVALID;
  readonly problems: readonly FieldProblem[];
  constructor(problems: readonly FieldProblem[], options?: ErrorOptions) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '), options);
    this.name = 'ApiValidationError';
    this.problems = problems;
  }
}
