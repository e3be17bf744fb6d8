// SPDX-License-Identifier: Apache-2.0
/**
 * The flags of `vcrypto device`: their schema, defaults and help text. Nothing else.
 */
import { z } from 'zod';
import { formatFlagHelp, type FlagOptions } from '../internal/flags.js';

export const DEVICE_FLAG_OPTIONS: FlagOptions = {
  socket: { type: 'string' },
  backend: { type: 'string' },
  'kernel-driver': { type: 'string' },
  queues: { type: 'string' },
  'max-sessions': { type: 'string' },
  'max-request-size': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-address': { type: 'string' },
  'stats-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const DeviceFlagsSchema = z.object({
  socket: z.string({ error: 'is required: the path of the vhost-user socket to listen on' }).min(1),
  backend: z.enum(['software', 'kernel', 'auto'], { error: "must be 'software', 'kernel' or 'auto'" }).default('software'),
  kernelDriver: z.string().min(1).max(127).optional(),
  queues: int(1, 64).default(1),
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
  ['--backend NAME', 'crypto backend (default software): software (OpenSSL through node:crypto); kernel (the\nLinux kernel crypto API through AF_ALG, hardware drivers first); auto (kernel for what a\nhardware kernel driver serves, software for the rest; software only where AF_ALG is missing)'],
  ['--kernel-driver NAME', 'kernel and auto: use this kernel driver (its /proc/crypto driver name) for what it serves'],
  ['--queues N', 'data queues offered to a full-device frontend, 1..64 (default 1); QEMU cryptodev uses queue 0'],
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

Exit codes: 0 stopped cleanly, 2 bad flags, 3 the socket or native addon could not be set up.`;
