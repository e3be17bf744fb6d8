// SPDX-License-Identifier: Apache-2.0
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generatedFiles } from '../../pkg/api/index.js';
import { run } from './main.js';

describe('gen-crds', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reports stale files with --check, writes them, removes the chart placeholder, then finds them current', () => {
    const root = mkdtempSync(join(tmpdir(), 'gen-crds-'));
    dirs.push(root);
    mkdirSync(join(root, 'charts/vcrypto/crds'), { recursive: true });
    writeFileSync(join(root, 'charts/vcrypto/crds/.gitkeep'), '');
    const err = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    expect(run(['--check', '--root', root])).toBe(1);
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual(generatedFiles().map((f) => `gen-crds: ${f.path} is stale; run npm run gen:crds\n`));
    expect(run(['--root', root])).toBe(0);
    for (const f of generatedFiles()) expect(readFileSync(join(root, f.path), 'utf8')).toBe(f.content);
    expect(existsSync(join(root, 'charts/vcrypto/crds/.gitkeep'))).toBe(false);
    expect(run(['--check', '--root', root])).toBe(0);
    expect(run(['--bogus'])).toBe(2);
  });
});
