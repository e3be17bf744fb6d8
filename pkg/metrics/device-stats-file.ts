// SPDX-License-Identifier: Apache-2.0
/**
 * The device-stats file: how a device process hands its DeviceStatsSnapshot to the node agent
 * that supervises it (one scrape per node, not one per slot). The device writes the snapshot as
 * JSON, atomically (a temporary file renamed over the old one), every second; the agent reads
 * each slot's file at scrape time and exposes it under pool/node/slot labels. A file outlives
 * the agent, so an agent that adopts a running device keeps its statistics. Owns the file format
 * and its schema; knows nothing of processes, timers or HTTP.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { DeviceStatsSnapshot } from './device-stats.js';

const count = z.number().finite().nonnegative();

const SnapshotSchema = z.object({
  requests: z.array(z.object({ service: z.string(), operation: z.string(), algorithm: z.string(), status: z.string(), requests: count, bytesIn: count, bytesOut: count })),
  latency: z.array(z.object({ service: z.string(), algorithm: z.string(), buckets: z.array(count), sum: count, count })),
  sessionsActive: count,
  sessionEvents: z.object({ created: count, destroyed: count, failed: count }),
  frontendConnected: count,
  frontendConnects: count,
  queueDepth: z.record(z.string(), count),
  backendAlgorithms: z.array(z.object({ algorithm: z.string(), backend: z.string(), driver: z.string(), hardware: z.boolean() })),
});

export type StatsFileRead = { ok: true; snapshot: DeviceStatsSnapshot } | { ok: false; reason: 'missing' | 'invalid'; message: string };

/** Writes `snapshot` to `path` so that a reader sees the old or the new file, never half of one. */
export function writeDeviceStatsFile(path: string, snapshot: DeviceStatsSnapshot): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(snapshot));
  renameSync(tmp, path);
}

/** Reads and validates a device-stats file; never throws (a slot whose device has not written yet is `missing`). */
export function readDeviceStatsFile(path: string): StatsFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: unknown) {
    return { ok: false, reason: 'missing', message: e instanceof Error ? e.message : String(e) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e: unknown) {
    return { ok: false, reason: 'invalid', message: `${path} is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const parsed = SnapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: 'invalid', message: `${path} is not a device-stats snapshot at ${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, snapshot: parsed.data };
}
