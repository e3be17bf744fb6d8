// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto selftest`: starts a real device process on a temporary socket, connects the project's
 * vhost-user frontend to it and runs the known-answer cases for every algorithm the device
 * advertises, one line each, then `N passed, M failed`. Exit 1 on any failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { buildCases, buildStatelessCases, cryptodevGuestConfig, STATELESS_FEATURES, frontendTransport, LAYOUTS, runCases, VhostUserFrontend, type CaseResult } from '../../device-core/src/index.js';
import { EXIT_ENVIRONMENT, EXIT_FAILURE, EXIT_OK } from '../internal/exit-codes.js';
import { formatFlagHelp, parseCommandLine } from '../internal/flags.js';

const OPTIONS = {
  mode: { type: 'string' },
  backend: { type: 'string' },
  datapath: { type: 'string' },
  'qemu-layout': { type: 'string' },
  layout: { type: 'string' },
  indirect: { type: 'boolean' },
  stateless: { type: 'boolean' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const Schema = z.object({
  mode: z.enum(['device', 'cryptodev']).default('device'),
  backend: z.enum(['software', 'kernel', 'auto'], { error: "must be 'software', 'kernel' or 'auto'" }).default('software'),
  datapath: z.enum(['main', 'workers'], { error: "must be 'main' or 'workers'" }).default('main'),
  qemuLayout: z.enum(['qemu-2.12-7.0', 'qemu-7.1-8.0', 'qemu-8.1']).default('qemu-8.1'),
  layout: z.enum(LAYOUTS as unknown as [string, ...string[]]).default('per-field'),
  indirect: z.boolean().default(false),
  stateless: z.boolean().default(false),
  output: z.enum(['text', 'json']).default('text'),
  help: z.boolean().optional(),
}).refine((f) => !(f.stateless && f.mode === 'cryptodev'), { path: ['stateless'], message: "needs --mode device (QEMU's cryptodev never acks the stateless features)" });

const HELP = `Usage: vcrypto selftest [flags]

Starts a device (software backend unless --backend says otherwise) on a temporary socket, drives it with the project's
own vhost-user frontend through requests laid out the way a guest lays them out, and checks every
algorithm the device advertises against known answers. Prints one line per algorithm and
operation, then "N passed, M failed". Exit status 1 when anything failed.

Flags:
${formatFlagHelp([
  ['--mode device|cryptodev', 'device: the full device (config, control queue, every service) (default);\ncryptodev: as QEMU\'s cryptodev-vhost-user does it (sessions as vhost-user messages, symmetric + RSA)'],
  ['--backend NAME', 'the device\'s backend: software (default), kernel or auto (as vcrypto device --backend)'],
  ['--datapath MODE', 'the device\'s data queue: on its main thread (main, default) or on a queue worker thread\n(workers), as vcrypto device --datapath'],
  ['--qemu-layout NAME', 'cryptodev session payload layout: qemu-2.12-7.0, qemu-7.1-8.0, qemu-8.1 (default)'],
  ['--layout NAME', `descriptor layout: ${LAYOUTS.join(', ')} (default per-field)`],
  ['--indirect', 'put each request\'s descriptors in one indirect table'],
  ['--stateless', 'device mode: ack REVISION_1 and the stateless features and send every case as a stateless request\n(session parameters and keys inside the request; no control queue)'],
  ['--output text|json', 'output format (default text)'],
  ['-h, --help', 'show this help'],
])}`;

async function waitForSocket(path: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(path)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

export async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine('selftest', argv, OPTIONS, Schema, HELP);
  if ('exitCode' in line) return line.exitCode;
  const flags = line.flags;
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-selftest-'));
  const socket = join(dir, 'vhost.sock');
  const child = spawn(process.execPath, [process.argv[1]!, 'device', '--socket', socket, '--backend', flags.backend, '--datapath', flags.datapath], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VCRYPTO_LOG_LEVEL: 'warn' } });
  let childErr = '';
  child.stderr.on('data', (d: Buffer) => (childErr += d.toString()));
  try {
    if (!(await waitForSocket(socket, 60_000))) {
      process.stderr.write(`vcrypto selftest: the device did not start\n${childErr}`);
      return EXIT_ENVIRONMENT;
    }
    const f = await VhostUserFrontend.connect({ socketPath: socket, mode: flags.mode, sessionLayout: flags.qemuLayout, ...(flags.stateless ? { ackDeviceFeatures: STATELESS_FEATURES } : {}) });
    try {
      // Cryptodev mode: QEMU keeps the config; it advertises AES-CBC only, so offer every cipher
      // the full device has and let the device answer.
      const config = f.config ?? cryptodevGuestConfig();
      const transport = frontendTransport(f, { layout: flags.layout as never, indirect: flags.indirect });
      const cases = flags.stateless ? buildStatelessCases(transport, config) : buildCases(transport, config, { symmetricOnly: flags.mode === 'cryptodev' });
      const results: CaseResult[] = [];
      const { passed, failed } = await runCases(cases, (r) => {
        results.push(r);
        if (flags.output === 'text') process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}${r.ok ? '' : `: ${r.detail}`}\n`);
      });
      if (flags.output === 'json') process.stdout.write(JSON.stringify({ mode: flags.mode, layout: flags.layout, indirect: flags.indirect, stateless: flags.stateless, passed, failed, results }, null, 2) + '\n');
      else process.stdout.write(`${passed} passed, ${failed} failed\n`);
      return failed === 0 && passed > 0 ? EXIT_OK : EXIT_FAILURE;
    } finally {
      f.close();
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
