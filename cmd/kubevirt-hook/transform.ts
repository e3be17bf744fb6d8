// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto kubevirt-hook transform`: the hook's OnDefineDomain run offline on files, so a person
 * can see what the hook will do to a domain. Reads, transforms, writes; owns its exit codes.
 */
import { readFileSync } from 'node:fs';
import { getErrorMessage, KubevirtError, transformDomain } from '../../pkg/kubevirt/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../internal/exit-codes.js';
import { FlagError, parseFlags } from '../internal/flags.js';
import { hookOptionsFrom, TRANSFORM_FLAG_OPTIONS, TRANSFORM_HELP, TransformFlagsSchema, type TransformFlags } from './flags.js';

export interface TransformIo {
  readonly readStdin: () => string;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const processIo: TransformIo = {
  readStdin: () => readFileSync(0, 'utf8'),
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

export function runTransform(argv: string[], io: TransformIo = processIo): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(TRANSFORM_HELP + '\n');
    return EXIT_OK;
  }
  let flags: TransformFlags;
  try {
    flags = parseFlags(argv, TRANSFORM_FLAG_OPTIONS, TransformFlagsSchema);
  } catch (e: unknown) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr(`vcrypto kubevirt-hook transform: ${e.message}\n\n${TRANSFORM_HELP}\n`);
    return EXIT_USAGE;
  }
  let vmi: string;
  let domain: string;
  let reading = `--vmi ${flags.vmi}`;
  try {
    vmi = readFileSync(flags.vmi, 'utf8');
    reading = flags.domain === undefined ? 'the domain XML on stdin' : `--domain ${flags.domain}`;
    domain = flags.domain === undefined ? io.readStdin() : readFileSync(flags.domain, 'utf8');
  } catch (e: unknown) {
    io.stderr(`vcrypto kubevirt-hook transform: cannot read ${reading}: ${getErrorMessage(e)}\n`);
    return EXIT_USAGE;
  }
  try {
    const result = transformDomain(domain, vmi, hookOptionsFrom(flags));
    io.stdout(result.xml.endsWith('\n') ? result.xml : result.xml + '\n');
    const what = result.deviceCount === 0 ? 'no vcrypto device requested; domain unchanged' : `added ${result.deviceCount} device(s) (${result.requests.map((r) => `${r.count} of ${r.resource}`).join(', ')}) in ${result.options?.mode ?? ''} mode`;
    io.stderr(`vcrypto kubevirt-hook transform: ${result.vmi}: ${what}\n`);
    for (const note of result.notes) io.stderr(`warning: ${note.kind === 'migration' ? `the VMI may live-migrate (${note.reason}); a vhost-user crypto device cannot` : `no reconnect option: ${note.reason}`}\n`);
    return EXIT_OK;
  } catch (e: unknown) {
    const code = e instanceof KubevirtError ? `${e.code}: ` : '';
    const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message.split('\n')[0] ?? ''})` : '';
    io.stderr(`vcrypto kubevirt-hook transform: ${code}${getErrorMessage(e)}${cause}\n`);
    return EXIT_FAILURE;
  }
}
