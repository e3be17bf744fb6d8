// SPDX-License-Identifier: Apache-2.0
/**
 * The flags of `vcrypto agent`: their schema, defaults and help text. Nothing else.
 */
import { z } from 'zod';
import { formatFlagHelp, uidGidFlag, type FlagOptions } from '../internal/flags.js';

export const AGENT_FLAG_OPTIONS: FlagOptions = {
  'pool-config': { type: 'string' },
  'node-name': { type: 'string' },
  'state-dir': { type: 'string' },
  'device-plugin-dir': { type: 'string' },
  'socket-owner': { type: 'string' },
  'health-port': { type: 'string' },
  'health-address': { type: 'string' },
  'config-poll-ms': { type: 'string' },
  'backoff-initial-ms': { type: 'string' },
  'backoff-max-ms': { type: 'string' },
  'node-state': { type: 'string' },
  kubeconfig: { type: 'string' },
  'node-state-interval-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const AgentFlagsSchema = z.object({
  poolConfig: z.string({ error: 'is required: the pool config file (a VirtioCryptoDevice in YAML or JSON)' }).min(1),
  nodeName: z.string({ error: 'is required: this node\'s name (the downward API spec.nodeName)' }).min(1),
  stateDir: z.string().min(1).default('/var/lib/vcrypto'),
  devicePluginDir: z.string().min(1).default('/var/lib/kubelet/device-plugins'),
  socketOwner: uidGidFlag().default({ uid: 107, gid: 107 }),
  healthPort: int(0, 65535).default(8095),
  healthAddress: z.string().min(1).default('0.0.0.0'),
  configPollMs: int(100, 3_600_000).default(5000),
  backoffInitialMs: int(10, 600_000).default(500),
  backoffMaxMs: int(10, 3_600_000).default(30_000),
  nodeState: z.enum(['auto', 'on', 'off']).default('auto'),
  kubeconfig: z.string().min(1).optional(),
  nodeStateIntervalMs: int(1000, 3_600_000).default(30_000),
  help: z.boolean().optional(),
});
export type AgentFlags = z.infer<typeof AgentFlagsSchema>;

export const AGENT_HELP = `Usage: vcrypto agent --pool-config FILE --node-name NAME [flags]

The node agent of one pool: runs one 'vcrypto device' process per slot on
<state-dir>/<pool>/<slot>/vhost.sock, supervises them, and advertises the slots to the kubelet
as the extended resource vcrypto.dev/<pool> (or the spec's resourceName) through the device
plugin API v1beta1. The pool config file is re-read when it changes (and on SIGHUP); slots in
use by a VM are never restarted to apply it. SIGTERM or SIGINT stops every device process,
removes every socket and exits.

Flags:
${formatFlagHelp([
  ['--pool-config FILE', 'the pool: a VirtioCryptoDevice (metadata.name + spec) or {name, spec}, YAML or JSON (required)'],
  ['--node-name NAME', 'this node (required)'],
  ['--state-dir DIR', 'slot folders and sockets live in DIR/<pool>/<slot>/ (default /var/lib/vcrypto)'],
  ['--device-plugin-dir DIR', "the kubelet's device-plugins folder (default /var/lib/kubelet/device-plugins)"],
  ['--socket-owner UID:GID', 'owner of slot folders and sockets unless the spec says (default 107:107, QEMU in virt-launcher)'],
  ['--health-port N', '/healthz, /readyz and /metrics on this TCP port, 0 picks one (default 8095)'],
  ['--health-address ADDR', 'address for --health-port (default 0.0.0.0)'],
  ['--config-poll-ms N', 'how often the pool config file is checked for changes (default 5000)'],
  ['--backoff-initial-ms N', 'first pause before restarting a device process that exited (default 500)'],
  ['--backoff-max-ms N', 'the pause doubles up to this (default 30000)'],
  ['--node-state auto|on|off', 'write this node\'s VirtioCryptoNodeState (slots, health, capabilities); auto: on in a\ncluster (KUBERNETES_SERVICE_HOST set) or with --kubeconfig (default auto)'],
  ['--kubeconfig FILE', 'API server credentials for --node-state (default: the pod\'s service account)'],
  ['--node-state-interval-ms N', 'rewrite the node state at least this often besides every slot change (default 30000)'],
  ['-h, --help', 'show this help'],
])}

Exit codes: 0 stopped cleanly, 2 bad flags or pool config, 3 the state folder, device-plugin
socket or health port could not be set up.`;
