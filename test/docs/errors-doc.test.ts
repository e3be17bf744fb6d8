// SPDX-License-Identifier: Apache-2.0
/**
 * docs/errors.md lists every error code the source defines, and no code the source no longer
 * has. Codes are found as string literals `'VCRYPTO_ERR_…'` in non-test sources, plus the
 * backend codes BackendError builds from its kinds.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

function codesInSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of ['device-core/src', 'pkg', 'cmd'].flatMap((d) => sources(join(ROOT, d)))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/'(VCRYPTO_ERR_[A-Z0-9_]+)'/g)) found.set(m[1]!, relative(ROOT, file));
  }
  // BackendError's code is `VCRYPTO_ERR_BACKEND_` + its kind (backends/types.ts).
  const types = readFileSync(join(ROOT, 'device-core/src/backends/types.ts'), 'utf8');
  const union = /export type BackendErrorKind =([^;]+);/.exec(types)?.[1] ?? '';
  for (const m of union.matchAll(/'([a-z-]+)'/g)) found.set(`VCRYPTO_ERR_BACKEND_${m[1]!.toUpperCase().replace(/-/g, '_')}`, 'device-core/src/backends/types.ts');
  return found;
}

describe('docs/errors.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(VCRYPTO_ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
  const inSource = codesInSource();

  it('finds the codes it checks (the scan works)', () => {
    expect(inSource.size).toBeGreaterThan(20);
    expect(inSource.get('VCRYPTO_ERR_BACKEND_AUTH_FAILED')).toBe('device-core/src/backends/types.ts');
  });

  it('documents every code the source defines', () => {
    const missing = [...inSource].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing, 'add a row to docs/errors.md for each').toEqual([]);
  });

  it('lists no code the source no longer has', () => {
    expect([...documented].filter((code) => !inSource.has(code))).toEqual([]);
  });
});
