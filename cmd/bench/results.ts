// SPDX-License-Identifier: Apache-2.0
/**
 * The shape of a `vcrypto bench` result (the zod schema is the one definition: the JSON file is
 * validated against it before it is written, and tests validate it again) and the text table
 * printed on stdout. Knows nothing of how the figures were measured.
 */
import { z } from 'zod';

const Rate = z.object({ opsPerSecond: z.number().nonnegative(), mbPerSecond: z.number().nonnegative() });

export const RowSchema = z.object({
  mode: z.enum(['device', 'cryptodev']),
  algorithm: z.string().min(1),
  sizeBytes: z.number().int().positive(),
  depth: z.number().int().positive(),
  queues: z.number().int().positive(),
  requests: z.number().int().nonnegative(),
  seconds: z.number().positive(),
  device: Rate,
  /** Round-trip latency at depth 1, microseconds; null at other depths. */
  latencyUs: z.object({ p50: z.number().nonnegative(), p99: z.number().nonnegative() }).nullable(),
  /** CPU seconds of the device process per 10^9 bytes of request payload. */
  deviceCpuSecondsPerGB: z.number().nonnegative(),
  /**
   * CPU seconds of the device process (all threads) per second of the device runs: 1 is one
   * core busy all the time; below it, the device waited for the frontend.
   */
  deviceBusy: z.number().nonnegative(),
  /**
   * node:crypto doing the same operation on the same buffer size in a plain loop in the bench
   * process, alternating with the device run in a few rounds; CPU from process.cpuUsage().
   */
  ceiling: Rate.extend({ cpuSecondsPerGB: z.number().nonnegative() }),
  /** device MB/s ÷ ceiling MB/s. */
  ratio: z.number().nonnegative(),
  /** ceiling CPU s/GB ÷ device CPU s/GB: the cost ratio, steadier than throughput on a busy machine. */
  cpuRatio: z.number().nonnegative().nullable(),
  /** `openssl speed` for reference (null when the binary is absent or was not run). */
  opensslMbPerSecond: z.number().nonnegative().nullable(),
  /** How the frontend batched: requests per kick it sent and per call it received. */
  requestsPerKick: z.number().nonnegative().nullable(),
  requestsPerCall: z.number().nonnegative().nullable(),
  maxInFlight: z.number().int().nonnegative(),
});
export type Row = z.infer<typeof RowSchema>;

export const BenchResultSchema = z.object({
  tool: z.literal('vcrypto bench'),
  version: z.literal(1),
  startedAt: z.iso.datetime(),
  command: z.string(),
  host: z.object({
    cpus: z.number().int().positive(),
    cpuModel: z.string(),
    node: z.string(),
    nodeOpenssl: z.string(),
    openssl: z.string().nullable(),
  }),
  options: z.object({
    quick: z.boolean(),
    modes: z.array(z.enum(['device', 'cryptodev'])).min(1),
    algorithms: z.array(z.string()).min(1),
    sizes: z.array(z.number().int().positive()).min(1),
    depths: z.array(z.number().int().positive()).min(1),
    queues: z.array(z.number().int().positive()).min(1),
    durationMs: z.number().int().positive(),
    /** The device's --datapath. */
    datapath: z.enum(['auto', 'main', 'workers']),
    /** The device's --poll-us when the bench passed one; null: the device's default. */
    pollUs: z.number().int().nonnegative().nullable(),
  }),
  rows: z.array(RowSchema).min(1),
  /** Throughput with the most queues ÷ with one queue, same algorithm, size and depth (device mode). */
  scaling: z.array(
    z.object({
      algorithm: z.string(),
      sizeBytes: z.number().int(),
      depth: z.number().int(),
      queues: z.number().int(),
      ratioToOneQueue: z.number().nonnegative(),
      /** node:crypto's loop in `queues` threads at once ÷ in one (thread-ceiling.ts): what the cores allow a perfectly parallel program. */
      machineRatio: z.number().nonnegative(),
    }),
  ),
  /**
   * Resident memory of the device process (the first mode run): VmRSS, and RssAnon (its own
   * memory, without the shared guest memory it has read). Idle once set up; warm after the rows
   * (warmRequests requests of every size); after `requests` more requests of the first row's
   * kind: RssAnon must not grow between warm and after.
   */
  rss: z.object({
    idleBytes: z.number().int().positive(),
    idleAnonBytes: z.number().int().positive(),
    warmBytes: z.number().int().positive(),
    warmAnonBytes: z.number().int().positive(),
    warmRequests: z.number().int().nonnegative(),
    afterBytes: z.number().int().positive(),
    afterAnonBytes: z.number().int().positive(),
    requests: z.number().int().nonnegative(),
  }),
  /** The device's CPU profile, when --profile was given. */
  profile: z.string().nullable(),
});
export type BenchResult = z.infer<typeof BenchResultSchema>;

const f = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? '-' : v.toFixed(digits));

function sizeLabel(n: number): string {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024}K` : String(n);
}

/** The result as an aligned text table with a footer for RSS and scaling. */
export function formatTable(r: BenchResult): string {
  const head = ['mode', 'algorithm', 'size', 'depth', 'q', 'ops/s', 'MB/s', 'p50 µs', 'p99 µs', 'cpu s/GB', 'dev busy', 'ceil MB/s', 'ceil s/GB', 'ratio', 'cpu ratio', 'openssl MB/s', 'req/kick', 'req/call'];
  const body = r.rows.map((x) => [
    x.mode,
    x.algorithm,
    sizeLabel(x.sizeBytes),
    String(x.depth),
    String(x.queues),
    f(x.device.opsPerSecond),
    f(x.device.mbPerSecond, 1),
    f(x.latencyUs?.p50, 1),
    f(x.latencyUs?.p99, 1),
    f(x.deviceCpuSecondsPerGB, 2),
    f(x.deviceBusy, 2),
    f(x.ceiling.mbPerSecond, 1),
    f(x.ceiling.cpuSecondsPerGB, 2),
    f(x.ratio, 2),
    f(x.cpuRatio, 2),
    f(x.opensslMbPerSecond, 0),
    f(x.requestsPerKick, 1),
    f(x.requestsPerCall, 1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(head), ...body.map(line)];
  out.push('');
  const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
  out.push(
    `device RSS (its own, RssAnon): ${mib(r.rss.idleAnonBytes)} MiB idle, ${mib(r.rss.warmAnonBytes)} MiB after the rows (${r.rss.warmRequests} requests), ` +
      `${mib(r.rss.afterAnonBytes)} MiB after ${r.rss.requests} more`,
  );
  out.push(`device RSS (VmRSS, with the guest memory it read): ${mib(r.rss.idleBytes)} / ${mib(r.rss.warmBytes)} / ${mib(r.rss.afterBytes)} MiB`);
  for (const s of r.scaling) {
    out.push(`scaling: ${s.algorithm} ${sizeLabel(s.sizeBytes)} depth ${s.depth}: ${s.queues} queues = ${s.ratioToOneQueue.toFixed(2)}x one queue; node:crypto in ${s.queues} threads = ${s.machineRatio.toFixed(2)}x one thread`);
  }
  if (r.profile !== null) out.push(`device CPU profile: ${r.profile}`);
  return out.join('\n');
}
