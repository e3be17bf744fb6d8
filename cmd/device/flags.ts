// SPDX-License-Identifier: Apache-2.0
/**
 * The flags of `vcrypto device`: their schema, defaults and help text. Nothing else.
 */
import { z } from 'zod';
import { ALGORITHM_NAMES, MAX_POLL_US, SERVICE_NAMES } from '../../device-core/src/index.js';
import { formatFlagHelp, octalModeFlag, uidGidFlag, type FlagOptions } from '../internal/flags.js';

export const DEVICE_FLAG_OPTIONS: FlagOptions = {
  socket: { type: 'string' },
  'socket-owner': { type: 'string' },
  'socket-mode': { type: 'string' },
  backend: { type: 'string' },
  'kernel-driver': { type: 'string' },
  queues: { type: 'string' },
  'queue-size': { type: 'string' },
  datapath: { type: 'string' },
  'poll-us': { type: 'string' },
  services: { type: 'string' },
  algorithms: { type: 'string' },
  'max-sessions': { type: 'string' },
  'max-request-size': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-address': { type: 'string' },
  'stats-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** How long a data queue watches for the next request after running dry (docs/performance.md "Polling"). */
export const DEFAULT_POLL_US = 0;

/** A comma-separated list of names from `allowed`, at least one, duplicates dropped. */
const nameList = (allowed: readonly string[], what: string) =>
  z
    .string()
    .transform((s) => [...new Set(s.split(',').map((n) => n.trim()).filter((n) => n !== ''))])
    .refine((names) => names.length > 0, { message: `names no ${what}` })
    .refine((names) => names.every((n) => allowed.includes(n)), {
      error: (issue) => {
        const bad = (issue.input as string[]).filter((n) => !allowed.includes(n));
        return `unknown ${what} ${bad.join(', ')}; allowed: ${allowed.join(', ')}`;
      },
    });

export const DeviceFlagsSchema = z.object({
  socket: z.string({ error: 'is required: the path of the vhost-user socket to listen on' }).min(1),
  socketOwner: uidGidFlag().optional(),
  socketMode: octalModeFlag().optional(),
  backend: z.enum(['software', 'kernel', 'auto'], { error: "must be 'software', 'kernel' or 'auto'" }).default('software'),
  kernelDriver: z.string().min(1).max(127).optional(),
  queues: int(1, 64).default(1),
  queueSize: int(1, 32768)
    .refine((n) => (n & (n - 1)) === 0, { message: 'must be a power of two from 1 to 32768' })
    .default(32768),
  datapath: z.enum(['auto', 'main', 'workers'], { error: "must be 'auto', 'main' or 'workers'" }).default('auto'),
  pollUs: int(0, MAX_POLL_US).default(DEFAULT_POLL_US),
  services: z.optional(nameList(SERVICE_NAMES, 'service')),
  algorithms: z.optional(nameList(ALGORITHM_NAMES, 'algorithm')),
  maxSessions: int(1, 1_000_000).default(1024),
  maxRequestSize: int(4096, 1 << 30).default(4 << 20),
  metricsPort: int(0, 65535).optional(),
  metricsAddress: z.string().min(1).default('127.0.0.1'),
  statsFile: z.string().min(1).optional(),
  help: z.boolean().optional(),
});
export type DeviceFlags = z.infer<typeof DeviceFlagsSchema>;

export const DEVICE_HELP = `Usage: vcrypto device --socket PATH [flags]

Runs one virtio-crypto device as a vhost-user backend. QEMU (or another vhost-user frontend)
connects to PATH as the client. One frontend is served at a time; when it leaves, every session
and key is wiped and the next frontend is accepted. SIGTERM or SIGINT stops the device and
removes the socket.

Flags:
${formatFlagHelp([
  ['--socket PATH', 'unix socket to listen on (required); a stale socket file is replaced'],
  ['--socket-owner UID:GID', 'give the socket file this owner before listening, in numbers (id -u NAME, id -g NAME);\nneeds root for another user. Default: the user running the device'],
  ['--socket-mode MODE', 'give the socket file these permission bits before listening, in octal (e.g. 0660:\nowner and group may connect). Default: what the umask leaves. QEMU needs write\npermission on the socket to connect'],
  ['--backend NAME', 'crypto backend (default software): software (OpenSSL through node:crypto); kernel (the\nLinux kernel crypto API through AF_ALG, hardware drivers first); auto (kernel for what a\nhardware kernel driver serves, software for the rest; software only where AF_ALG is missing)'],
  ['--kernel-driver NAME', 'kernel and auto: use this kernel driver (its /proc/crypto driver name) for what it serves'],
  ['--queues N', 'data queues offered to a full-device frontend, 1..64 (default 1); QEMU cryptodev uses queue 0'],
  ['--queue-size N', 'largest virtqueue a frontend may set up, a power of two (default 32768, the split\nring maximum); a frontend asking for more is disconnected. QEMU\'s virtio-crypto-pci uses 1024'],
  ['--datapath MODE', 'where data queues are served: workers (one worker thread per data queue, so queues\nuse more cores), main (every queue on the main thread), auto (default: workers when\n--queues is above 1). The control queue and sessions are always on the main thread'],
  ['--poll-us N', `after a data queue runs dry, watch it this many microseconds for the next request\nbefore sleeping until a kick, 0..${MAX_POLL_US} (default ${DEFAULT_POLL_US}: no polling). Requests that follow\neach other closely then need no kick and no wake-up; the cost is up to N µs of CPU after\neach burst. Helped one-at-a-time requests in vcrypto bench, did not pay under QEMU TCG
(docs/device.md "Polling")`],
  ['--services LIST', 'offer only these services, comma-separated: cipher, hash, mac, aead, akcipher\n(default all); chaining needs cipher and hash or mac'],
  ['--algorithms LIST', 'offer only these algorithms, comma-separated, named as `vcrypto capabilities` prints\nthem (aes-cbc,hmac-sha256,...); default all the backend computes. A name the backend\ncannot compute on this node is logged and not offered'],
  ['--max-sessions N', 'open sessions per frontend before NOSPC (default 1024)'],
  ['--max-request-size BYTES', 'config max_size: largest request content (default 4194304)'],
  ['--metrics-port N', 'serve Prometheus /metrics and /healthz on this TCP port (0 picks a free one); off by default'],
  ['--metrics-address ADDR', 'address for --metrics-port (default 127.0.0.1)'],
  ['--stats-file PATH', 'write the device statistics (the /metrics numbers) as JSON to PATH every second,\nreplaced atomically, removed on a clean stop; off by default'],
  ['-h, --help', 'show this help'],
])}

Environment:
  VCRYPTO_LOG_LEVEL   debug, info (default), warn, error
  VCRYPTO_TRACE       tracers to log at debug level: vhost-user, virtqueue, crypto-session,
                      crypto-request; 'all'; '-name' turns one off

Exit codes: 0 stopped cleanly, 2 bad flags, 3 the socket, the native addon or a queue worker thread could not be set up.`;
