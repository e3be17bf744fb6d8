// SPDX-License-Identifier: Apache-2.0
/**
 * Wires a device process to pkg/metrics: a stats collector fed by the device model and the
 * server events, the list of advertised algorithms with their providers, the optional
 * /metrics endpoint of `--metrics-port` and the optional stats file of `--stats-file`. Knows no
 * metric names.
 */
import { rmSync } from 'node:fs';
import { getErrorMessage, type BackendCapabilities } from '../../device-core/src/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import { createRegistry, DeviceStatsCollector, registerDeviceMetrics, serveMetrics, writeDeviceStatsFile, type DeviceStatsSnapshot, type MetricsServer } from '../../pkg/metrics/index.js';

/** How often `--stats-file` is rewritten. */
export const STATS_FILE_INTERVAL_MS = 1000;

export function backendAlgorithms(backend: string, caps: BackendCapabilities): { algorithm: string; backend: string; driver: string; hardware: boolean }[] {
  const out: { algorithm: string; backend: string; driver: string; hardware: boolean }[] = [];
  for (const map of [caps.cipher, caps.hash, caps.mac, caps.aead, caps.akcipher] as ReadonlyMap<string, { driver: string; hardware: boolean }>[]) {
    for (const [algorithm, p] of map) out.push({ algorithm, backend, driver: p.driver, hardware: p.hardware });
  }
  return out;
}

export function createDeviceStats(backend: string, caps: BackendCapabilities): DeviceStatsCollector {
  return new DeviceStatsCollector(backendAlgorithms(backend, caps));
}

/** The device's whole statistics at this moment (the main thread's and its queue workers'). */
export type SnapshotSource = () => DeviceStatsSnapshot;

export async function startMetricsEndpoint(snapshot: SnapshotSource, port: number, host: string): Promise<MetricsServer> {
  const registry = createRegistry('device');
  registerDeviceMetrics(registry, () => [{ labels: {}, snapshot: snapshot() }]);
  return serveMetrics(registry, port, host);
}

/** Rewrites the stats file every STATS_FILE_INTERVAL_MS; stop() removes it. A failed write is logged once until one succeeds. */
export function startStatsFile(snapshot: SnapshotSource, path: string, log: Logger): { stop(): void } {
  let failing = false;
  const write = (): void => {
    try {
      writeDeviceStatsFile(path, snapshot());
      if (failing) log.info('Writing the stats file works again', { path });
      failing = false;
    } catch (e: unknown) {
      if (!failing) log.warn('Failed to write the stats file; will keep trying', { path, err: getErrorMessage(e) });
      failing = true;
    }
  };
  write();
  const timer = setInterval(write, STATS_FILE_INTERVAL_MS);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      rmSync(path, { force: true });
    },
  };
}
