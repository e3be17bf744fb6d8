// SPDX-License-Identifier: Apache-2.0
/**
 * Flag parsing shared by every subcommand: node:util parseArgs for the syntax, a zod schema for
 * the values, and one error type whose message names the flag and what is allowed. Subcommands
 * turn a FlagError into exit code 2 (EXIT_USAGE).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { MAX_UNIX_ID } from '../../pkg/api/names.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';

export class FlagError extends Error {
  readonly code = 'VCRYPTO_ERR_CFG_FLAG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FlagError';
  }
}

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses argv with the given option table, then validates the values with `schema`.
 * Option names are kebab-case on the command line and camelCase in the result.
 */
export function parseFlags<S extends z.ZodType>(argv: string[], options: FlagOptions, schema: S): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e: unknown) {
    throw new FlagError(e instanceof Error ? e.message : String(e), { cause: e });
  }
  const camel: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) camel[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  const parsed = schema.safeParse(camel);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    const flag = '--' + path.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    throw new FlagError(`invalid value for ${flag}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error });
  }
  return parsed.data as z.infer<S>;
}

/** Formats an option table as help lines: `  --name VALUE  description`. */
export function formatFlagHelp(rows: ReadonlyArray<readonly [flag: string, description: string]>): string {
  const width = Math.max(...rows.map(([f]) => f.length));
  // A description's later lines line up under its first.
  const indent = '\n' + ' '.repeat(width + 4);
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d.split('\n').join(indent)}`).join('\n');
}

/** What a subcommand's main does next: run with the flags, or exit with the code given. */
export type CommandLine<T> = { readonly flags: T } | { readonly exitCode: number };

/**
 * A subcommand's flags from argv: `--help` prints `help` to stdout (exit 0, even beside a bad
 * flag), a FlagError prints `vcrypto <command>: <message>` and the help to stderr (exit 2).
 */
export function parseCommandLine<S extends z.ZodType<{ help?: boolean | undefined }>>(
  command: string,
  argv: string[],
  options: FlagOptions,
  schema: S,
  help: string,
): CommandLine<z.infer<S>> {
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  let flags: z.infer<S>;
  try {
    flags = parseFlags(argv, options, schema);
  } catch (e: unknown) {
    if (!(e instanceof FlagError)) throw e;
    if (wantsHelp) {
      process.stdout.write(help + '\n');
      return { exitCode: EXIT_OK };
    }
    process.stderr.write(`vcrypto ${command}: ${e.message}\n\n${help}\n`);
    return { exitCode: EXIT_USAGE };
  }
  if (flags.help === true) {
    process.stdout.write(help + '\n');
    return { exitCode: EXIT_OK };
  }
  return { flags };
}

/** A `UID:GID` flag value, both numbers (names are not looked up: use `id -u NAME`, `id -g NAME`). */
export const uidGidFlag = () =>
  z
    .string()
    .regex(/^\d{1,10}:\d{1,10}$/, 'must be UID:GID in numbers, e.g. 107:107')
    .transform((s) => {
      const [uid = 0, gid = 0] = s.split(':').map(Number);
      return { uid, gid };
    })
    .refine((o) => o.uid <= MAX_UNIX_ID && o.gid <= MAX_UNIX_ID, `UID and GID must be at most ${MAX_UNIX_ID}`);

/** Permission bits written in octal, e.g. 0660 or 660. */
export const octalModeFlag = () =>
  z
    .string()
    .regex(/^0?[0-7]{3}$/, 'must be permission bits in octal, e.g. 0660')
    .transform((s) => parseInt(s, 8));
