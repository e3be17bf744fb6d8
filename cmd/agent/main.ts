// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto agent`: parses flags, loads the pool config, runs the Agent, serves /healthz, /readyz
 * and /metrics, re-reads the pool config when the file changes or on SIGHUP, and stops cleanly
 * on SIGTERM/SIGINT. Owns the exit codes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger, type Logger } from '../../pkg/log/logger.js';
import { KubeClient, KubeConnection } from '../../pkg/k8s/index.js';
import { NodeStatePublisher } from '../../pkg/nodestate/index.js';
import { createRegistry, registerAgentMetrics, registerDeviceMetrics, serveMetrics, type MetricsServer } from '../../pkg/metrics/index.js';
import { EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE } from '../internal/exit-codes.js';
import { FlagError, parseFlags } from '../internal/flags.js';
import { Agent } from './agent.js';
import { AgentError, getErrorMessage, PoolConfigError } from './errors.js';
import { NodeStateReporter } from './node-state.js';
import { AGENT_FLAG_OPTIONS, AGENT_HELP, AgentFlagsSchema, type AgentFlags } from './flags.js';
import { loadPoolConfig, parsePoolConfig, type PoolConfig } from './pool-config.js';

/** Re-reads the pool file every `pollMs` (ConfigMap updates swap a symlink; polling sees it). */
function watchConfig(path: string, pollMs: number, log: Logger, apply: (c: PoolConfig) => void): { check(): void; stop(): void } {
  let last = '';
  try {
    last = readFileSync(path, 'utf8');
  } catch {
    // Read again at the first poll.
  }
  const check = (): void => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e: unknown) {
      log.warn('Pool config could not be read; keeping the current one', { path, err: getErrorMessage(e) });
      return;
    }
    if (text === last) return;
    last = text;
    try {
      const config = parsePoolConfig(text, path);
      log.info('Pool config changed', { path, slots: config.slots, backend: config.backendType, resource: config.resourceName });
      apply(config);
    } catch (e: unknown) {
      log.error('Pool config is invalid; keeping the current one', { err: e instanceof Error ? e : getErrorMessage(e) });
    }
  };
  const timer = setInterval(check, pollMs);
  return { check, stop: () => clearInterval(timer) };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(AGENT_HELP + '\n');
    return EXIT_OK;
  }
  let flags: AgentFlags;
  try {
    flags = parseFlags(argv, AGENT_FLAG_OPTIONS, AgentFlagsSchema);
  } catch (e: unknown) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`vcrypto agent: ${e.message}\n\n${AGENT_HELP}\n`);
    return EXIT_USAGE;
  }
  const log = createLogger({ name: 'agent', fields: { node: flags.nodeName } });
  let config: PoolConfig;
  try {
    config = loadPoolConfig(flags.poolConfig);
  } catch (e: unknown) {
    if (!(e instanceof PoolConfigError)) throw e;
    log.error('Pool config is invalid', { err: e });
    return EXIT_USAGE;
  }
  const cli = process.argv[1];
  if (cli === undefined) {
    log.error('Cannot tell how this CLI was started, so cannot start device processes');
    return EXIT_ENVIRONMENT;
  }
  const agent = new Agent({
    config,
    nodeName: flags.nodeName,
    stateDir: resolve(flags.stateDir),
    devicePluginDir: resolve(flags.devicePluginDir),
    socketOwner: flags.socketOwner,
    deviceCommand: [process.execPath, cli],
    log,
    supervisor: { backoffInitialMs: flags.backoffInitialMs, backoffMaxMs: flags.backoffMaxMs },
  });
  const registry = createRegistry('agent');
  registerAgentMetrics(registry, () => [agent.stats()]);
  registerDeviceMetrics(registry, () => agent.deviceSnapshots());
  let health: MetricsServer;
  try {
    health = await serveMetrics(registry, flags.healthPort, flags.healthAddress, () => true, () => agent.ready());
    log.info('Serving health and metrics', { url: `http://${flags.healthAddress}:${health.port}/readyz` });
  } catch (e: unknown) {
    log.error('Failed to serve health and metrics', { port: flags.healthPort, err: getErrorMessage(e) });
    return EXIT_ENVIRONMENT;
  }
  try {
    await agent.start();
  } catch (e: unknown) {
    log.error('Failed to start the agent', { err: e instanceof Error ? e : getErrorMessage(e), cause: e instanceof Error && e.cause instanceof Error ? e.cause.message : undefined });
    await agent.stop().catch(() => undefined);
    await health.close();
    return e instanceof AgentError && e.code === 'VCRYPTO_ERR_AGENT_CONFIG' ? EXIT_USAGE : EXIT_ENVIRONMENT;
  }
  let reporter: NodeStateReporter | undefined;
  if (flags.nodeState === 'on' || (flags.nodeState === 'auto' && (flags.kubeconfig !== undefined || process.env['KUBERNETES_SERVICE_HOST'] !== undefined))) {
    try {
      const client = new KubeClient(KubeConnection.load(flags.kubeconfig));
      const publisher = new NodeStatePublisher(client, config.pool, flags.nodeName);
      reporter = new NodeStateReporter(agent, publisher, () => agent.config.backendType, log, flags.nodeStateIntervalMs);
      log.info('Writing the node state', { name: `${config.pool}-${flags.nodeName}` });
    } catch (e: unknown) {
      log.error('Failed to load API server credentials for the node state', { err: getErrorMessage(e) });
      await agent.stop().catch(() => undefined);
      await health.close();
      return EXIT_ENVIRONMENT;
    }
  }
  log.info('Agent started', { pool: config.pool, resource: config.resourceName, slots: config.slots, stateDir: flags.stateDir });
  const watcher = watchConfig(flags.poolConfig, flags.configPollMs, log, (c) => agent.applyConfig(c));
  process.on('SIGHUP', () => watcher.check());
  const signal = await new Promise<string>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  log.info('Stopping', { signal });
  watcher.stop();
  await reporter?.stop();
  await agent.stop();
  await health.close();
  log.info('Stopped; every device process ended and every socket removed');
  return EXIT_OK;
}
