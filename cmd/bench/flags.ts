// SPDX-License-Identifier: Apache-2.0
/**
 * The flags of `vcrypto bench`: their schema, the defaults of a full and a --quick run, and the
 * help text. Nothing else.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { MAX_POLL_US } from '../../device-core/src/index.js';
import { DEFAULT_POLL_US } from '../device/flags.js';
import { formatFlagHelp, type FlagOptions } from '../internal/flags.js';
import { ALGORITHMS, type Algorithm } from './workloads.js';

export const BENCH_FLAG_OPTIONS: FlagOptions = {
  quick: { type: 'boolean' },
  modes: { type: 'string' },
  algorithms: { type: 'string' },
  sizes: { type: 'string' },
  depths: { type: 'string' },
  queues: { type: 'string' },
  duration: { type: 'string' },
  'rss-requests': { type: 'string' },
  openssl: { type: 'string' },
  output: { type: 'string' },
  profile: { type: 'string' },
  'device-cli': { type: 'string' },
  datapath: { type: 'string' },
  'poll-us': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const FULL = { sizes: [64, 256, 1024, 4096, 16384, 65536], depths: [1, 32], durationMs: 1000, rssRequests: 1_000_000 };
const QUICK = { sizes: [64, 4096], depths: [1, 32], durationMs: 150, rssRequests: 20_000 };
const MAX_SIZE = 1 << 20;

/** "a,b,c" → list, each validated by `item`, no duplicates. */
const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
    .pipe(z.array(item).min(1, 'needs at least one value'))
    .refine((a) => new Set(a).size === a.length, 'lists a value twice');

/** A size: bytes, or with a K suffix (KiB). */
const size = z
  .string()
  .regex(/^\d+[kK]?$/, 'sizes are byte counts such as 64 or 4K')
  .transform((s) => (/[kK]$/.test(s) ? Number(s.slice(0, -1)) * 1024 : Number(s)))
  .pipe(z.number().int().min(16, 'sizes start at 16 bytes').max(MAX_SIZE, `sizes end at ${MAX_SIZE} bytes`).multipleOf(16, 'sizes are whole AES blocks (multiples of 16)'));

const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

export const BenchFlagsSchema = z.object({
  quick: z.boolean().default(false),
  modes: list(z.enum(['device', 'cryptodev'])).optional(),
  algorithms: list(z.enum(ALGORITHMS)).optional(),
  sizes: list(size).optional(),
  depths: list(positiveInt(64)).optional(),
  queues: list(positiveInt(64)).optional(),
  duration: z.coerce.number().int().min(50).max(600_000).optional(),
  rssRequests: z.coerce.number().int().min(0).max(100_000_000).optional(),
  openssl: z.enum(['auto', 'off']).optional(),
  output: z.string().min(1).optional(),
  profile: z.string().min(1).optional(),
  deviceCli: z.string().min(1).optional(),
  datapath: z.enum(['auto', 'main', 'workers'], { error: "must be 'auto', 'main' or 'workers'" }).default('auto'),
  pollUs: z.coerce.number().int().min(0).max(MAX_POLL_US).optional(),
  help: z.boolean().optional(),
});
export type BenchFlags = z.infer<typeof BenchFlagsSchema>;

export interface BenchPlan {
  readonly quick: boolean;
  readonly modes: readonly ('device' | 'cryptodev')[];
  readonly algorithms: readonly Algorithm[];
  readonly sizes: readonly number[];
  readonly depths: readonly number[];
  readonly queues: readonly number[];
  readonly durationMs: number;
  readonly rssRequests: number;
  readonly openssl: boolean;
  readonly output: string | undefined;
  readonly profileDir: string | undefined;
  readonly deviceCli: string | undefined;
  readonly datapath: 'auto' | 'main' | 'workers';
  /** The device's --poll-us; undefined: its default (not passed). */
  readonly pollUs: number | undefined;
}

/** Flags plus the defaults of a full or quick run. */
export function planOf(flags: BenchFlags): BenchPlan {
  const d = flags.quick ? QUICK : FULL;
  const cores = availableParallelism();
  return {
    quick: flags.quick,
    modes: flags.modes ?? ['device', 'cryptodev'],
    algorithms: flags.algorithms ?? ALGORITHMS,
    sizes: [...(flags.sizes ?? d.sizes)].sort((a, b) => a - b),
    depths: [...(flags.depths ?? d.depths)].sort((a, b) => a - b),
    queues: [...(flags.queues ?? (flags.quick || cores === 1 ? [1] : [1, cores]))].sort((a, b) => a - b),
    durationMs: flags.duration ?? d.durationMs,
    rssRequests: flags.rssRequests ?? d.rssRequests,
    openssl: (flags.openssl ?? (flags.quick ? 'off' : 'auto')) === 'auto',
    output: flags.output,
    profileDir: flags.profile,
    deviceCli: flags.deviceCli,
    datapath: flags.datapath,
    pollUs: flags.pollUs,
  };
}

export const BENCH_HELP = `Usage: vcrypto bench [flags]

Measures the device against the crypto it performs. Starts a \`vcrypto device\` process (software
backend) on a temporary socket and drives it over vhost-user with the project's own frontend, in
device mode (control queue, N data queues) and in cryptodev mode (as QEMU's cryptodev-vhost-user:
data queue 0, AES-CBC only). Requests are laid out once in shared guest memory, the way Linux's
virtio_crypto lays them out (header, iv, src | dst, status), and resubmitted as they complete,
keeping DEPTH in flight per queue with one kick per batch.

For each mode, algorithm, size, depth and queue count one row:
  ops/s, MB/s         completed requests and payload bytes (10^6) per second
  p50 µs, p99 µs      round-trip latency at depth 1 (frontend submit to completion)
  cpu s/GB            CPU seconds of the device process (all threads, /proc/<pid>/stat) per 10^9 payload bytes
  dev busy            CPU seconds of the device process per second of its runs: 1.00 is one core busy
                      throughout; lower, it waited for the frontend (above 1 when other threads work too:
                      queue workers beside the main thread, V8's helper threads)
  ceil MB/s           the ceiling: node:crypto doing the same operation on the same size in a plain
                      loop in this process, alternating with the device run in up to 4 rounds per
                      row (same run, same noise)
  ceil s/GB           CPU seconds of that loop per 10^9 bytes (process.cpuUsage)
  ratio               device MB/s / ceiling MB/s; quote ratios, not absolute figures: machines are shared
  cpu ratio           ceil s/GB / cpu s/GB: what the device spends per byte next to the bare crypto,
                      steadier than throughput when other work competes for the cores
  openssl MB/s        \`openssl speed -evp ...\` for reference, when the binary is on PATH
  req/kick, req/call  how many requests shared one kick (frontend→device) and one call (device→frontend)
The ceiling cycles through the very source buffers of the requests in flight (guest memory), so
both sides see the same cache footprint. Then the device's resident memory once set up, after the
rows, and after --rss-requests more requests: its own (RssAnon, which must not grow with requests)
and in all (VmRSS, which also counts the shared guest memory the device has read); and for each
size the throughput of the most queues relative to one queue, beside the same node:crypto loop run in
that many threads at once relative to one thread (what the cores allow a perfectly parallel program).

The table goes to stdout, progress lines to stderr, the JSON to bench/results/<timestamp>.json or
--output. Exit status: 0 done, 1 a request failed (the run stops at the first; no JSON), 2 bad
flags, 3 the device could not start.

Flags:
${formatFlagHelp([
  ['--quick', `a smoke run in seconds: sizes ${QUICK.sizes.join(',')}, depths ${QUICK.depths.join(',')}, one queue, ${QUICK.durationMs} ms per row, RSS after ${QUICK.rssRequests} requests, no openssl`],
  ['--modes LIST', 'device,cryptodev (default both)'],
  ['--algorithms LIST', `${ALGORITHMS.join(',')} (default all; cryptodev mode runs the AES-CBC ones only)`],
  ['--sizes LIST', `payload bytes per request, multiples of 16, K suffix allowed (default ${FULL.sizes.map((s) => (s >= 1024 ? `${s / 1024}K` : s)).join(',')})`],
  ['--depths LIST', `requests in flight per queue, 1..64 (default ${FULL.depths.join(',')})`],
  ['--queues LIST', 'data queue counts, 1..64 (default 1 and the number of cores; cryptodev mode always uses 1)'],
  ['--duration MS', `device milliseconds per row, 50..600000 (default ${FULL.durationMs}); the ceiling runs half as long, interleaved`],
  ['--rss-requests N', `requests after the rows before the device's RSS is read again (default ${FULL.rssRequests}; ${QUICK.rssRequests} with --quick)`],
  ['--openssl auto|off', 'run `openssl speed` for reference (default auto: when present; off with --quick)'],
  ['--output PATH', 'where to write the JSON (default bench/results/<timestamp>.json)'],
  ['--profile DIR', "run the device under node --cpu-prof and write its .cpuprofile into DIR (open it in Chrome DevTools); the profile spans the ceiling's turns too, when the device is idle (a third of each row): read idle time from dev busy instead"],
  ['--poll-us N', `the device's --poll-us (default: the device's, ${DEFAULT_POLL_US}); compare 0 with it to see what polling buys`],
  ['--datapath MODE', 'the device\'s --datapath: auto (default: queue worker threads when it has more than one\ndata queue), main, workers; compare two runs to see what the worker threads buy'],
  ['--device-cli PATH', 'run the device from another build of this CLI (bin/vcrypto.js of a checkout) to compare builds in one run'],
  ['-h, --help', 'show this help'],
])}

Examples:
  npm run bench                                   the full table (several minutes)
  vcrypto bench --quick                           a smoke run
  vcrypto bench --algorithms aes-128-cbc-enc --sizes 64,16K --depths 32 --profile /tmp/prof`;
