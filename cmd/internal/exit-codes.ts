// SPDX-License-Identifier: Apache-2.0
/**
 * The documented exit codes of every vcrypto subcommand. Owned by cmd/ only: libraries return
 * errors, cmd/*\/main.ts maps them to these codes.
 */
export const EXIT_OK = 0;
/** The command ran and found a failure (a failed self-test, a failed check). */
export const EXIT_FAILURE = 1;
/** Bad flags or configuration: the message names the flag and what is allowed. */
export const EXIT_USAGE = 2;
/** The environment refused: socket path not usable, addon not loadable, API server unreachable. */
export const EXIT_ENVIRONMENT = 3;
