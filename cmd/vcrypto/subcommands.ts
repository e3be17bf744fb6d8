// SPDX-License-Identifier: Apache-2.0
/**
 * The subcommand table of the `vcrypto` CLI: add yours here. Each entry loads its module only
 * when run, so `vcrypto --help` stays fast and one subcommand's dependencies never load for
 * another. Each module exports `run(argv: string[]): Promise<number>` returning an exit code.
 */
export interface Subcommand {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

export const SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'selftest', summary: 'check every advertised algorithm of a device against known answers over vhost-user', load: () => import('../selftest/main.js') },
  { name: 'operator', summary: 'run the cluster operator: each VirtioCryptoDevice becomes a node-agent DaemonSet; aggregates node states into its status', load: () => import('../operator/main.js') },
  { name: 'agent', summary: 'run the node agent of one pool: device processes per slot and the kubelet device plugin', load: () => import('../agent/main.js') },
  { name: 'capabilities', summary: 'print what a crypto backend offers on this node: algorithm, service, driver, hardware or software', load: () => import('../capabilities/main.js') },
  { name: 'device', summary: 'run one virtio-crypto device as a vhost-user backend on a unix socket', load: () => import('../device/main.js') },
  { name: 'bench', summary: 'measure a device process against node:crypto on this machine: throughput, latency, CPU per GB, RSS', load: () => import('../bench/main.js') },
  { name: 'kubevirt-hook', summary: 'serve the KubeVirt hook sidecar that adds vcrypto devices to VM domains; transform: do it offline', load: () => import('../kubevirt-hook/main.js') },
];
