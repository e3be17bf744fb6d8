// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto operator`: parses flags, connects to the cluster, runs the controller manager with
 * leader election, serves /metrics /healthz /readyz, and on SIGTERM/SIGINT releases the lease
 * and exits. Owns the exit codes.
 */
import { OperatorManager } from '../../pkg/controllers/index.js';
import { KubeClient, KubeConnection } from '../../pkg/k8s/index.js';
import { createLogger } from '../../pkg/log/logger.js';
import { createOperatorMetrics, createRegistry, serveMetrics, type MetricsServer } from '../../pkg/metrics/index.js';
import { EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE } from '../internal/exit-codes.js';
import { FlagError, parseFlags } from '../internal/flags.js';
import { OPERATOR_FLAG_OPTIONS, OPERATOR_HELP, OperatorFlagsSchema, resolveOperatorConfig, type OperatorConfig } from './flags.js';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(OPERATOR_HELP + '\n');
    return EXIT_OK;
  }
  let config: OperatorConfig;
  try {
    config = resolveOperatorConfig(parseFlags(argv, OPERATOR_FLAG_OPTIONS, OperatorFlagsSchema), process.env);
  } catch (e: unknown) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`vcrypto operator: ${e.message}\n\n${OPERATOR_HELP}\n`);
    return EXIT_USAGE;
  }
  const log = createLogger({ name: 'operator', fields: { identity: config.identity } });
  let connection: KubeConnection;
  try {
    connection = KubeConnection.load(config.kubeconfig);
  } catch (e: unknown) {
    log.error('Cannot load the cluster access config', { kubeconfig: config.kubeconfig ?? 'in-cluster', err: e instanceof Error ? e.message : String(e) });
    return EXIT_ENVIRONMENT;
  }
  const registry = createRegistry('operator');
  const metrics = createOperatorMetrics(registry);
  const manager = new OperatorManager({
    client: new KubeClient(connection),
    log,
    metrics,
    agent: {
      namespace: config.namespace,
      image: config.agentImage,
      serviceAccountName: config.agentServiceAccount,
      stateDir: config.agentStateDir,
      devicePluginDir: config.agentDevicePluginDir,
      metricsPort: config.agentMetricsPort,
    },
    leaderElection: {
      namespace: config.leaderElectionNamespace,
      leaseName: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
    },
    resyncMs: config.resyncMs,
  });
  let server: MetricsServer;
  try {
    server = await serveMetrics(registry, config.metricsPort, config.metricsAddress, () => true, () => manager.synced);
  } catch (e: unknown) {
    log.error('Cannot open the metrics port', { port: config.metricsPort, err: e instanceof Error ? e.message : String(e) });
    return EXIT_ENVIRONMENT;
  }
  log.info('Operator started', { server: connection.server, namespace: config.namespace, lease: `${config.leaderElectionNamespace}/${config.leaseName}`, metricsPort: server.port });
  await manager.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info('Stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await manager.stop();
  await server.close();
  log.info('Stopped; the lease is released');
  return EXIT_OK;
}
