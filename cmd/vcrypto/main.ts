// SPDX-License-Identifier: Apache-2.0
/**
 * The `vcrypto` command line: finds the subcommand in the table and runs it. Owns the top-level
 * help text and the crash handler; knows nothing of any subcommand's flags.
 */
import { EXIT_USAGE } from '../internal/exit-codes.js';
import { SUBCOMMANDS } from './subcommands.js';

export function usage(): string {
  const width = Math.max(...SUBCOMMANDS.map((s) => s.name.length), 8);
  const lines = SUBCOMMANDS.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`);
  return [
    'vcrypto: virtio-crypto devices for virtual machines on Kubernetes',
    '',
    'Usage: vcrypto <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'vcrypto <command> --help' for a command's flags.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? EXIT_USAGE : 0;
  }
  const sub = SUBCOMMANDS.find((s) => s.name === name);
  if (sub === undefined) {
    process.stderr.write(`vcrypto: unknown command '${name}'\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  const mod = await sub.load();
  return mod.run(rest);
}
