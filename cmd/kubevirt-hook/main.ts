// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto kubevirt-hook`: the KubeVirt hook sidecar process. Parses flags, serves
 * pkg/kubevirt's HookServer on the hook socket until virt-launcher calls Shutdown or a signal
 * arrives; `transform` runs the same edit offline (transform.ts). Owns the exit codes.
 */
import { join } from 'node:path';
import { getErrorMessage, HookServer } from '../../pkg/kubevirt/index.js';
import { createLogger } from '../../pkg/log/logger.js';
import { EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE } from '../internal/exit-codes.js';
import { FlagError, parseFlags } from '../internal/flags.js';
import { hookOptionsFrom, SERVE_FLAG_OPTIONS, SERVE_HELP, ServeFlagsSchema, type ServeFlags } from './flags.js';
import { runTransform } from './transform.js';

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'transform') return runTransform(argv.slice(1));
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(SERVE_HELP + '\n');
    return EXIT_OK;
  }
  let flags: ServeFlags;
  try {
    flags = parseFlags(argv, SERVE_FLAG_OPTIONS, ServeFlagsSchema);
  } catch (e: unknown) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`vcrypto kubevirt-hook: ${e.message}\n\n${SERVE_HELP}\n`);
    return EXIT_USAGE;
  }
  const log = createLogger({ name: 'kubevirt-hook' });
  const server = new HookServer({ socketPath: join(flags.socketDir, flags.socketName), hook: hookOptionsFrom(flags), log });
  try {
    await server.start();
  } catch (e: unknown) {
    log.error('Failed to start the hook sidecar', { err: e instanceof Error ? e : getErrorMessage(e), cause: e instanceof Error && e.cause instanceof Error ? e.cause.message : undefined });
    return EXIT_ENVIRONMENT;
  }
  const reason = await new Promise<string>((done) => {
    void server.shutdownRequested.then(() => done('Shutdown'));
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  log.info('Stopping', { reason });
  await server.stop();
  return EXIT_OK;
}
