// SPDX-License-Identifier: Apache-2.0
/**
 * Reads this process's resource counts from /proc (open fds, memory mappings) for leak checks
 * in tests and for diagnostics. Knows nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function countOpenFds(): number {
  return readdirSync('/proc/self/fd').length;
}

export function countMappings(): number {
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.length > 0).length;
}
