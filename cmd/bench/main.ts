// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto bench`: measures a device process against node:crypto on the same machine in the
 * same run. Parses flags, then per mode starts a device (device-process.ts), connects the
 * project's frontend, opens one session per algorithm, and for each algorithm and size lays the
 * requests out once, then runs the ceiling loop and the device row by row (drive.ts),
 * interleaved so both see the same noise. Prints the table, writes the JSON (results.ts). Owns
 * exit codes; knows no ring or protocol detail.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { VhostUserFrontend, type PreparedRequest } from '../../device-core/src/index.js';
import { EXIT_ENVIRONMENT, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../internal/exit-codes.js';
import { FlagError, parseFlags } from '../internal/flags.js';
import { DeviceProcess, BenchDeviceError } from './device-process.js';
import { drive, DriveDisconnectedError } from './drive.js';
import { measureRow } from './row.js';
import { machineScaling } from './thread-ceiling.js';
import { BENCH_FLAG_OPTIONS, BENCH_HELP, BenchFlagsSchema, planOf, type BenchPlan } from './flags.js';
import { opensslSpeedMBps, opensslVersion } from './openssl-speed.js';
import { BenchResultSchema, formatTable, type BenchResult, type Row } from './results.js';
import { CRYPTODEV_ALGORITHMS, workload, type Algorithm, type Workload } from './workloads.js';

type Mode = 'device' | 'cryptodev';

const progress = (msg: string): void => {
  process.stderr.write(`bench: ${msg}\n`);
};

/** Guest memory for every prepared request of a mode, plus room for control requests. */
function arenaBytes(plan: BenchPlan, algorithms: number, queues: number): number {
  const perRequest = plan.sizes.reduce((a, s) => a + 2 * s + 512, 0);
  const need = perRequest * algorithms * queues * Math.max(...plan.depths) + (16 << 20);
  return Math.ceil(need / (2 << 20)) * (2 << 20);
}

interface ModeOutcome {
  rows: Row[];
  rss?: BenchResult['rss'];
}

async function runMode(mode: Mode, plan: BenchPlan, measureRss: boolean, opensslCache: Map<string, number | undefined>): Promise<ModeOutcome> {
  const algorithms = mode === 'cryptodev' ? plan.algorithms.filter((a) => CRYPTODEV_ALGORITHMS.includes(a)) : plan.algorithms;
  const queueCounts = mode === 'cryptodev' ? [1] : plan.queues;
  const maxQueues = Math.max(...queueCounts);
  const maxDepth = Math.max(...plan.depths);
  const out: ModeOutcome = { rows: [] };
  if (algorithms.length === 0) return out;
  progress(`${mode} mode: starting a device with ${maxQueues} data queue(s)`);
  const device = await DeviceProcess.start({ queues: maxQueues, datapath: plan.datapath, pollUs: plan.pollUs, profileDir: plan.profileDir, cli: plan.deviceCli === undefined ? undefined : resolve(plan.deviceCli) });
  try {
    const f = await VhostUserFrontend.connect({
      socketPath: device.socketPath,
      mode,
      dataQueues: maxQueues,
      // Room for 64 requests of up to 5 descriptors each (a field that crosses a page is split in two).
      queueSize: 1024,
      memoryBytes: arenaBytes(plan, algorithms.length, maxQueues),
      sessionLayout: 'qemu-8.1',
    });
    try {
      const sessions = new Map<Algorithm, { w: Workload; id: bigint }>();
      for (const a of algorithms) {
        const w = workload(a);
        const s = await f.createSession(w.session);
        if (s.status !== 0) throw new BenchDeviceError(`the device refused a ${a} session (status ${s.status})`);
        sessions.set(a, { w, id: s.sessionId });
      }
      // Lay out every request before the first row: pinning needs an idle arena.
      const prepared = new Map<string, { perQueue: PreparedRequest[][] }>();
      for (const a of algorithms) {
        const { w, id } = sessions.get(a)!;
        for (const size of plan.sizes) {
          const src = randomBytes(size);
          const perQueue = Array.from({ length: maxQueues }, () => Array.from({ length: maxDepth }, () => f.prepare(w.request(id, src))));
          prepared.set(`${a}/${size}`, { perQueue });
        }
      }
      const idle = measureRss ? device.memory() : undefined;
      let served = 0;
      for (const a of algorithms) {
        const { w } = sessions.get(a)!;
        for (const size of plan.sizes) {
          const { perQueue } = prepared.get(`${a}/${size}`)!;
          const key = `${a}/${size}`;
          if (plan.openssl && !opensslCache.has(key)) opensslCache.set(key, opensslSpeedMBps(w.openssl, size, 1));
          // Warm both sides' JIT for this operation before the first timed row.
          const warm = await drive(f, { what: `${mode} ${a} ${size} B warm-up`, prepared: [perQueue[0]!], durationMs: Math.min(200, plan.durationMs), recordLatency: false });
          served += warm.requests;
          for (const depth of plan.depths) {
            for (const queues of queueCounts) {
              const what = `${mode} ${a} ${size} B depth ${depth} queues ${queues}`;
              progress(what);
              const rowPrepared = perQueue.slice(0, queues).map((l) => l.slice(0, depth));
              const sources = rowPrepared.flat().map((p) => f.arena.view(p.bufs[w.srcField]!.gpa, p.bufs[w.srcField]!.len));
              let next = 0;
              const row = await measureRow(f, () => device.cpuSeconds(), {
                what,
                mode,
                algorithm: a,
                sizeBytes: size,
                depth,
                queues,
                durationMs: plan.durationMs,
                prepared: rowPrepared,
                // The same buffers: the ceiling cycles through the sources of the requests in flight.
                ceilingOp: () => w.ceiling(sources[next++ % sources.length]!),
                opensslMbPerSecond: opensslCache.get(key) ?? null,
              });
              served += row.requests;
              out.rows.push(row);
            }
          }
        }
      }
      if (measureRss) {
        // Growth with requests: the same memory read again after rssRequests more requests.
        const warm = device.memory();
        const first = prepared.get(`${algorithms[0]!}/${plan.sizes[0]!}`)!;
        progress(`${mode} mode: ${plan.rssRequests} more requests before reading the device's RSS again`);
        const r = plan.rssRequests === 0 ? { requests: 0 } : await drive(f, { what: `${mode} requests before the RSS reading`, prepared: [first.perQueue[0]!], maxRequests: plan.rssRequests, recordLatency: false });
        const after = device.memory();
        out.rss = {
          idleBytes: idle!.residentBytes,
          idleAnonBytes: idle!.anonBytes,
          warmBytes: warm.residentBytes,
          warmAnonBytes: warm.anonBytes,
          warmRequests: served,
          afterBytes: after.residentBytes,
          afterAnonBytes: after.anonBytes,
          requests: r.requests,
        };
      }
    } finally {
      f.close();
    }
  } catch (e: unknown) {
    // Say why the device went away, when it said so itself.
    if (e instanceof DriveDisconnectedError) throw new DriveDisconnectedError(`${e.message}; the device: ${await device.lastWords(2000)}`, { cause: e });
    throw e;
  } finally {
    await device.stop();
  }
  return out;
}

/** Multi-queue rows against their one-queue row, each beside what the machine's cores allow (one measurement per algorithm, size and queue count). */
async function scalingOf(rows: readonly Row[], durationMs: number): Promise<BenchResult['scaling']> {
  const out: BenchResult['scaling'] = [];
  const machine = new Map<string, number>();
  for (const r of rows) {
    if (r.mode !== 'device' || r.queues === 1) continue;
    const one = rows.find((o) => o.mode === 'device' && o.queues === 1 && o.algorithm === r.algorithm && o.sizeBytes === r.sizeBytes && o.depth === r.depth);
    if (one === undefined || one.device.opsPerSecond <= 0) continue;
    const key = `${r.algorithm} ${r.sizeBytes} ${r.queues}`;
    let m = machine.get(key);
    if (m === undefined) {
      progress(`node:crypto in ${r.queues} threads ÷ 1: ${r.algorithm} ${r.sizeBytes} B`);
      m = await machineScaling(r.algorithm as Algorithm, r.sizeBytes, r.queues, durationMs);
      machine.set(key, m);
    }
    out.push({ algorithm: r.algorithm, sizeBytes: r.sizeBytes, depth: r.depth, queues: r.queues, ratioToOneQueue: r.device.opsPerSecond / one.device.opsPerSecond, machineRatio: m });
  }
  return out;
}

function defaultOutput(startedAt: string): string {
  return join('bench', 'results', `${startedAt.replace(/[:.]/g, '-')}.json`);
}

export async function run(argv: string[]): Promise<number> {
  let plan: BenchPlan;
  try {
    const flags: z.infer<typeof BenchFlagsSchema> = parseFlags(argv, BENCH_FLAG_OPTIONS, BenchFlagsSchema);
    if (flags.help) {
      process.stdout.write(BENCH_HELP + '\n');
      return EXIT_OK;
    }
    plan = planOf(flags);
  } catch (e: unknown) {
    if (e instanceof FlagError) {
      process.stderr.write(`vcrypto bench: ${e.message}\n\nRun 'vcrypto bench --help' for the flags.\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  const startedAt = new Date().toISOString();
  const profileDir = plan.profileDir === undefined ? undefined : resolve(plan.profileDir);
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const openssl = plan.openssl ? opensslVersion() : undefined;
  const opensslCache = new Map<string, number | undefined>();
  const rows: Row[] = [];
  let rss: BenchResult['rss'] | undefined;
  try {
    for (const mode of plan.modes) {
      const measureRss = rss === undefined;
      const o = await runMode(mode, { ...plan, openssl: openssl !== undefined, profileDir }, measureRss, opensslCache);
      rows.push(...o.rows);
      rss ??= o.rss;
    }
  } catch (e: unknown) {
    process.stderr.write(`vcrypto bench: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof BenchDeviceError ? EXIT_ENVIRONMENT : EXIT_FAILURE;
  }
  if (rss === undefined || rows.length === 0) {
    process.stderr.write('vcrypto bench: nothing was measured (cryptodev mode runs the AES-CBC algorithms only)\n');
    return EXIT_USAGE;
  }
  const scaling = await scalingOf(rows, plan.durationMs);
  const result: BenchResult = BenchResultSchema.parse({
    tool: 'vcrypto bench',
    version: 1,
    startedAt,
    command: ['vcrypto', 'bench', ...argv].join(' '),
    host: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, nodeOpenssl: process.versions.openssl ?? 'unknown', openssl: openssl ?? null },
    options: {
      quick: plan.quick,
      modes: [...plan.modes],
      algorithms: [...plan.algorithms],
      sizes: [...plan.sizes],
      depths: [...plan.depths],
      queues: [...plan.queues],
      durationMs: plan.durationMs,
      datapath: plan.datapath,
      pollUs: plan.pollUs ?? null,
    },
    rows,
    scaling,
    rss,
    profile: profileDir === undefined ? null : (readdirSync(profileDir).filter((n) => n.endsWith('.cpuprofile')).map((n) => join(profileDir, n)).sort().pop() ?? null),
  });
  process.stdout.write(formatTable(result) + '\n');
  const output = plan.output ?? defaultOutput(startedAt);
  mkdirSync(dirname(resolve(output)), { recursive: true });
  writeFileSync(output, JSON.stringify(result, null, 2) + '\n');
  progress(`wrote ${output}`);
  return EXIT_OK;
}
