// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto device`: one vhost-user virtio-crypto device process. Parses flags, builds the
 * backend, device and server, logs the lifecycle, stops cleanly on SIGTERM/SIGINT. Owns exit codes.
 */
import { resolve } from 'node:path';
import { CryptoDevice, getErrorMessage, VhostUserCrypto, VhostUserServer, type BackendCapabilities } from '../../device-core/src/index.js';
import { createLogger, type Logger } from '../../pkg/log/logger.js';
import { EXIT_ENVIRONMENT, EXIT_OK } from '../internal/exit-codes.js';
import { parseCommandLine } from '../internal/flags.js';
import { DEVICE_FLAG_OPTIONS, DEVICE_HELP, DeviceFlagsSchema, type DeviceFlags } from './flags.js';
import { buildBackend } from './backend.js';
import { createDeviceStats, startMetricsEndpoint, startStatsFile } from './metrics.js';
import { qemuAttachArgs } from './qemu-args.js';
import { startQueueWorkers } from './queue-workers.js';
import { tracerFor } from './tracer.js';
import { mergeDeviceStats, type DeviceStatsSnapshot } from '../../pkg/metrics/index.js';

/** Names in --algorithms that the backend, as restricted, does not offer (it cannot compute them here, or --services left them out). */
function unservedAlgorithms(flags: DeviceFlags, caps: BackendCapabilities): string[] {
  if (flags.algorithms === undefined) return [];
  const offered = new Set<string>(Object.values(caps).flatMap((m: ReadonlyMap<string, unknown>) => [...m.keys()]));
  return flags.algorithms.filter((a) => !offered.has(a));
}

export interface RunningDevice {
  /** The statistics of the main thread and every queue worker, added up. */
  snapshot(): DeviceStatsSnapshot;
  stop(): Promise<void>;
}

/** Whether the data queues run on worker threads. */
export function usesQueueWorkers(flags: Pick<DeviceFlags, 'datapath' | 'queues'>): boolean {
  return flags.datapath === 'workers' || (flags.datapath === 'auto' && flags.queues > 1);
}

/** Builds and starts a device; throws on environment failures. */
export async function startDevice(flags: DeviceFlags, log: Logger): Promise<RunningDevice> {
  const backend = buildBackend(flags, (message) => log.info(message, { backend: flags.backend }));
  const missing = unservedAlgorithms(flags, backend.capabilities());
  if (missing.length > 0) log.warn('Asked-for algorithms are not offered: the backend cannot compute them here, or --services leaves out their service', { algorithms: missing.join(','), backend: backend.name });
  const tracer = tracerFor(log);
  const stats = createDeviceStats(backend.name, backend.capabilities());
  const workers = usesQueueWorkers(flags) ? await startQueueWorkers(flags, log) : undefined;
  const device = new CryptoDevice({
    backend,
    maxDataQueues: flags.queues,
    maxSessions: flags.maxSessions,
    maxSize: flags.maxRequestSize,
    tracer,
    stats,
    ...(workers !== undefined ? { mirror: workers.mirror } : {}),
  });
  const socketPath = resolve(flags.socket);
  const server = new VhostUserServer({
    socketPath,
    backend: new VhostUserCrypto({ device, dataQueues: flags.queues, maxQueueSize: flags.queueSize, queueStats: stats, ...(workers !== undefined ? { remoteRings: workers.pool } : {}) }),
    tracer,
    pollUs: flags.pollUs,
    ...(flags.socketOwner !== undefined ? { socketOwner: flags.socketOwner } : {}),
    ...(flags.socketMode !== undefined ? { socketMode: flags.socketMode } : {}),
    events: {
      onListening: (path) => log.info('Listening for a vhost-user frontend', { socket: path, backend: backend.name, queues: flags.queues, datapath: workers === undefined ? 'main thread' : `${workers.pool.size} queue worker threads`, pollUs: flags.pollUs }),
      onConnected: (id) => {
        stats.onFrontend(true);
        log.info('Frontend connected', { connection: id });
      },
      onDisconnected: (id, reason) => {
        stats.onFrontend(false);
        if (reason.kind === 'protocol-error')
          log.warn('Frontend dropped after a protocol error', { connection: id, reason: reason.error.message });
        else log.info('Frontend left; sessions and keys wiped', { connection: id, reason: reason.kind });
      },
    },
  });
  server.listen();
  return {
    snapshot: () => (workers === undefined ? stats.snapshot() : mergeDeviceStats(stats.snapshot(), workers.snapshots())),
    stop: async () => {
      server.close();
      backend.close();
      await workers?.close();
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine('device', argv, DEVICE_FLAG_OPTIONS, DeviceFlagsSchema, DEVICE_HELP);
  if ('exitCode' in line) return line.exitCode;
  const flags = line.flags;
  const log = createLogger({ name: 'device' });
  let running: RunningDevice;
  try {
    running = await startDevice(flags, log);
  } catch (e: unknown) {
    log.error('Failed to start the device', { err: e instanceof Error ? e : getErrorMessage(e), cause: e instanceof Error && e.cause instanceof Error ? e.cause.message : undefined });
    return EXIT_ENVIRONMENT;
  }
  let metrics: Awaited<ReturnType<typeof startMetricsEndpoint>> | undefined;
  if (flags.metricsPort !== undefined) {
    try {
      metrics = await startMetricsEndpoint(() => running.snapshot(), flags.metricsPort, flags.metricsAddress);
      log.info('Serving metrics', { url: `http://${flags.metricsAddress}:${metrics.port}/metrics` });
    } catch (e: unknown) {
      log.error('Failed to serve metrics', { port: flags.metricsPort, err: getErrorMessage(e) });
      await running.stop();
      return EXIT_ENVIRONMENT;
    }
  }
  const statsFile = flags.statsFile === undefined ? undefined : startStatsFile(() => running.snapshot(), resolve(flags.statsFile), log);
  log.info('Attach a VM with these QEMU arguments', { qemu: qemuAttachArgs(resolve(flags.socket)) });
  return new Promise<number>((done) => {
    const stop = (signal: string): void => {
      log.info('Stopping', { signal });
      statsFile?.stop();
      void running
        .stop()
        .then(() => metrics?.close())
        .then(() => done(EXIT_OK));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
