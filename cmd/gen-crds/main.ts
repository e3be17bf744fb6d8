// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run gen:crds`: writes the files pkg/api generates from its zod schemas (crds/, the
 * chart's crds/, docs/api.md) under the repository root, or with --check only reports which
 * are stale. A development tool, not a vcrypto subcommand. Owns its exit codes and file I/O;
 * knows nothing of what is in the files.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CRD_DIRS, GENERATE_COMMAND, generatedFiles } from '../../pkg/api/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../internal/exit-codes.js';
import { FlagError, formatFlagHelp, parseFlags } from '../internal/flags.js';

const HELP = `Usage: ${GENERATE_COMMAND} -- [flags]

Writes crds/, charts/vcrypto/crds/ and docs/api.md from the zod schemas in pkg/api.

${formatFlagHelp([
  ['--root DIR', 'the repository root (default: the current directory)'],
  ['--check', 'write nothing; exit 1 naming each file that differs'],
])}`;

const FlagsSchema = z.object({ root: z.string().min(1).default('.'), check: z.boolean().default(false), help: z.boolean().default(false) });

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function run(argv: string[]): number {
  let flags: z.output<typeof FlagsSchema>;
  try {
    flags = parseFlags(argv, { root: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, FlagsSchema);
  } catch (e: unknown) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`gen-crds: ${e.message}\n\n${HELP}\n`);
    return EXIT_USAGE;
  }
  if (flags.help) {
    process.stdout.write(HELP + '\n');
    return EXIT_OK;
  }
  const root = resolve(flags.root);
  const stale = generatedFiles().filter((f) => readOrEmpty(join(root, f.path)) !== f.content);
  if (flags.check) {
    for (const f of stale) process.stderr.write(`gen-crds: ${f.path} is stale; run ${GENERATE_COMMAND}\n`);
    return stale.length === 0 ? EXIT_OK : EXIT_FAILURE;
  }
  for (const f of stale) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content);
    process.stdout.write(`gen-crds: wrote ${f.path}\n`);
  }
  // Helm needs a non-empty crds/ folder, not a placeholder, once the CRDs are there.
  for (const dir of CRD_DIRS) rmSync(join(root, dir, '.gitkeep'), { force: true });
  if (stale.length === 0) process.stdout.write('gen-crds: every generated file is up to date\n');
  return EXIT_OK;
}

// Run only as the program, not when a test imports run().
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = run(process.argv.slice(2));
