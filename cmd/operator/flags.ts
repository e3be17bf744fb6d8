// SPDX-License-Identifier: Apache-2.0
/**
 * The flags of `vcrypto operator`: their schema, the environment defaults the chart sets
 * (POD_NAME, POD_NAMESPACE, VCRYPTO_AGENT_IMAGE, KUBECONFIG) and the help text. Nothing else.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { formatFlagHelp, type FlagOptions } from '../internal/flags.js';

export const DEFAULT_AGENT_IMAGE = 'ghcr.io/vcrypto/vcrypto:0.1.0';

export const OPERATOR_FLAG_OPTIONS: FlagOptions = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
  'agent-image': { type: 'string' },
  'agent-service-account': { type: 'string' },
  'agent-state-dir': { type: 'string' },
  'agent-device-plugin-dir': { type: 'string' },
  'agent-metrics-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-address': { type: 'string' },
  'leader-election-namespace': { type: 'string' },
  'leader-election-lease': { type: 'string' },
  'lease-name': { type: 'string' },
  identity: { type: 'string' },
  'lease-duration-ms': { type: 'string' },
  'renew-deadline-ms': { type: 'string' },
  'retry-period-ms': { type: 'string' },
  'resync-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const name = (what: string) => z.string().max(63).regex(DNS_LABEL, `must be a DNS-1123 label (${what})`);

export const OperatorFlagsSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  namespace: name('the namespace of the agent DaemonSets').optional(),
  agentImage: z.string().min(1).optional(),
  agentServiceAccount: name('a ServiceAccount name').default('vcrypto-agent'),
  agentStateDir: z.string().regex(/^\//, 'must be an absolute path').default('/var/lib/vcrypto'),
  agentDevicePluginDir: z.string().regex(/^\//, 'must be an absolute path').default('/var/lib/kubelet/device-plugins'),
  agentMetricsPort: int(1, 65535).default(9464),
  metricsPort: int(0, 65535).default(9465),
  metricsAddress: z.string().min(1).default('0.0.0.0'),
  leaderElectionNamespace: name('a namespace').optional(),
  leaderElectionLease: name('a Lease name').optional(),
  leaseName: name('a Lease name').optional(),
  identity: z.string().min(1).max(253).optional(),
  leaseDurationMs: int(1000, 600_000).default(15_000),
  renewDeadlineMs: int(500, 600_000).default(10_000),
  retryPeriodMs: int(100, 60_000).default(2_000),
  resyncMs: int(1000, 86_400_000).default(300_000),
  help: z.boolean().optional(),
}).refine((f) => f.renewDeadlineMs < f.leaseDurationMs && f.retryPeriodMs < f.renewDeadlineMs, { message: 'must satisfy retry-period < renew-deadline < lease-duration', path: ['renewDeadlineMs'] });
export type OperatorFlags = z.infer<typeof OperatorFlagsSchema>;

/** Flags with the environment's defaults filled in. */
export interface OperatorConfig extends OperatorFlags {
  readonly namespace: string;
  readonly agentImage: string;
  readonly leaderElectionNamespace: string;
  readonly leaseName: string;
  readonly identity: string;
}

export function resolveOperatorConfig(f: OperatorFlags, env: NodeJS.ProcessEnv): OperatorConfig {
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  const namespace = f.namespace ?? nonEmpty(env['POD_NAMESPACE']) ?? f.leaderElectionNamespace ?? 'vcrypto-system';
  const kubeconfig = f.kubeconfig ?? nonEmpty(env['KUBECONFIG']);
  return {
    ...f,
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    namespace,
    agentImage: f.agentImage ?? nonEmpty(env['VCRYPTO_AGENT_IMAGE']) ?? DEFAULT_AGENT_IMAGE,
    leaderElectionNamespace: f.leaderElectionNamespace ?? namespace,
    leaseName: f.leaseName ?? f.leaderElectionLease ?? 'vcrypto-operator',
    identity: f.identity ?? nonEmpty(env['POD_NAME']) ?? `${hostname()}-${process.pid}`,
  };
}

export const OPERATOR_HELP = `Usage: vcrypto operator [flags]

The cluster operator. For every VirtioCryptoDevice (a pool) it keeps a node-agent DaemonSet and
the ConfigMap holding the pool config in --namespace (owned by the pool, so deleting the pool
deletes them), deletes VirtioCryptoNodeStates of nodes that left the pool, and writes the pool's
status: nodes desired/ready, slots total/healthy/allocated, per-node backend and hardware driver,
and the conditions Available, Progressing and Degraded with reasons (docs/operator.md lists them).
Run two or more replicas: they elect a leader through a coordination.k8s.io Lease and only the
leader reconciles; a standby takes over when the leader stops renewing. SIGTERM or SIGINT gives
the lease up at once and exits.

Flags:
${formatFlagHelp([
  ['--kubeconfig FILE', 'cluster access (default $KUBECONFIG, else the in-cluster service account)'],
  ['--namespace NS', 'where the agent DaemonSets and ConfigMaps live (default $POD_NAMESPACE, else --leader-election-namespace, else vcrypto-system)'],
  ['--agent-image IMAGE', `node-agent image unless a pool's spec.agent.image says (default $VCRYPTO_AGENT_IMAGE, else ${DEFAULT_AGENT_IMAGE})`],
  ['--agent-service-account NAME', 'ServiceAccount of the agent pods, bound by the chart (default vcrypto-agent)'],
  ['--agent-state-dir DIR', 'host folder of slot sockets on each node (default /var/lib/vcrypto)'],
  ['--agent-device-plugin-dir DIR', "the kubelet's device-plugins folder on each node (default /var/lib/kubelet/device-plugins)"],
  ['--agent-metrics-port N', "port of the agents' /metrics, /healthz, /readyz (default 9464)"],
  ['--metrics-port N', "this operator's /metrics, /healthz, /readyz; 0 picks one (default 9465)"],
  ['--metrics-address ADDR', 'address for --metrics-port (default 0.0.0.0)'],
  ['--leader-election-namespace NS', 'namespace of the Lease (default --namespace)'],
  ['--lease-name NAME', 'the Lease (alias --leader-election-lease; default vcrypto-operator)'],
  ['--identity ID', 'this replica in the Lease (default $POD_NAME, else host-pid)'],
  ['--lease-duration-ms N', 'how long a lease holds without renewal (default 15000)'],
  ['--renew-deadline-ms N', 'the leader steps down when it could not renew for this long (default 10000)'],
  ['--retry-period-ms N', 'how often candidates try and the leader renews (default 2000)'],
  ['--resync-ms N', 'every pool is reconciled again this often without events (default 300000)'],
  ['-h, --help', 'show this help'],
])}

/readyz answers 200 once the caches are filled (standbys are ready too); /metrics has
vcrypto_operator_leader (1 on the leader), vcrypto_operator_reconciles_total{result} and
vcrypto_operator_pools{condition}.

Exit codes: 0 stopped cleanly, 2 bad flags, 3 no cluster access (kubeconfig) or the metrics
port could not be opened.`;
