// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto capabilities`: what a backend offers on this node, one row per algorithm: service,
 * the driver that computes it (a kernel driver name, or openssl) and whether that is hardware.
 * Builds the backend exactly as `vcrypto device` does (same factory and flags), prints a table or
 * JSON, and closes it. Owns its exit codes; knows nothing of vhost-user.
 */
import { z } from 'zod';
import { createCryptoBackend, getErrorMessage, SERVICE_NAMES, type BackendCapabilities } from '../../device-core/src/index.js';
import { EXIT_ENVIRONMENT, EXIT_OK } from '../internal/exit-codes.js';
import { formatFlagHelp, parseCommandLine } from '../internal/flags.js';

const OPTIONS = {
  backend: { type: 'string' },
  'kernel-driver': { type: 'string' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const Schema = z.object({
  backend: z.enum(['software', 'kernel', 'auto'], { error: "must be 'software', 'kernel' or 'auto'" }).default('auto'),
  kernelDriver: z.string().min(1).max(127).optional(),
  output: z.enum(['table', 'json'], { error: "must be 'table' or 'json'" }).default('table'),
  help: z.boolean().optional(),
});

const HELP = `Usage: vcrypto capabilities [flags]

Prints what a crypto backend offers on this node: per algorithm, its service, the driver that
computes it (a kernel driver from /proc/crypto, or openssl) and whether that driver is hardware.

Flags:
${formatFlagHelp([
  ['--backend NAME', 'software, kernel or auto (default auto): the same backends as vcrypto device'],
  ['--kernel-driver NAME', 'kernel and auto: pin this kernel driver for what it serves'],
  ['--output FORMAT', 'table (default) or json'],
  ['-h, --help', 'show this help'],
])}

Exit codes: 0 printed, 2 bad flags, 3 the backend is unavailable here (e.g. kernel without AF_ALG).`;

export interface CapabilityRow {
  readonly algorithm: string;
  readonly service: string;
  readonly driver: string;
  readonly hardware: boolean;
}

export function capabilityRows(caps: BackendCapabilities): CapabilityRow[] {
  return SERVICE_NAMES.flatMap((service) =>
    [...(caps[service] as ReadonlyMap<string, { driver: string; hardware: boolean }>)].map(([algorithm, p]) => ({ algorithm, service, driver: p.driver, hardware: p.hardware })),
  );
}

export function formatTable(rows: readonly CapabilityRow[]): string {
  const cells = [['ALGORITHM', 'SERVICE', 'DRIVER', 'KIND'], ...rows.map((r) => [r.algorithm, r.service, r.driver, r.hardware ? 'hardware' : 'software'])];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine('capabilities', argv, OPTIONS, Schema, HELP);
  if ('exitCode' in line) return line.exitCode;
  const flags = line.flags;
  const notices: string[] = [];
  let rows: CapabilityRow[];
  let name: string;
  try {
    const backend = createCryptoBackend(flags.backend, {
      ...(flags.kernelDriver !== undefined ? { kernelDriver: flags.kernelDriver } : {}),
      onNotice: (m) => notices.push(m),
    });
    name = backend.name;
    rows = capabilityRows(backend.capabilities());
    backend.close();
  } catch (e: unknown) {
    process.stderr.write(`vcrypto capabilities: the ${flags.backend} backend is unavailable: ${getErrorMessage(e)}\n`);
    return EXIT_ENVIRONMENT;
  }
  if (flags.output === 'json') {
    process.stdout.write(JSON.stringify({ backend: name, notices, algorithms: rows }, null, 2) + '\n');
  } else {
    for (const n of notices) process.stderr.write(`note: ${n}\n`);
    process.stdout.write(formatTable(rows) + '\n');
  }
  return EXIT_OK;
}
