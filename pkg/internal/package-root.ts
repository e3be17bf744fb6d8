// SPDX-License-Identifier: Apache-2.0
/**
 * Finds the installed vcrypto package's root folder from a module's own folder, so files that
 * ship beside the sources (the .proto files) are found both from sources and from dist/. Knows
 * nothing of what is looked up there; callers turn a failure into their own error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type PackageRoot = { readonly root: string } | { readonly problem: string; readonly cause?: unknown };

/** Walks up from `start` to the folder whose package.json names the vcrypto package. */
export function findVcryptoRoot(start: string): PackageRoot {
  for (let dir = start; ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'vcrypto') return { root: dir };
      } catch (e: unknown) {
        return { problem: `cannot read ${pj}`, cause: e };
      }
    }
    if (dirname(dir) === dir) return { problem: `no vcrypto package.json above ${start}` };
  }
}
