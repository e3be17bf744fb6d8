// SPDX-License-Identifier: Apache-2.0
/**
 * The API's fixed names: group, version, kinds, plurals, labels, and the two naming rules other
 * parts rely on (the extended resource of a pool, the name of a node state). Pure constants and
 * string functions, and the largest uid or gid a socket may get; knows nothing of schemas or clients.
 */
export const GROUP = 'vcrypto.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

export const DEVICE_KIND = 'VirtioCryptoDevice';
export const DEVICE_PLURAL = 'virtiocryptodevices';
export const DEVICE_SINGULAR = 'virtiocryptodevice';
export const DEVICE_SHORT_NAMES: readonly string[] = ['vcd'];

export const NODE_STATE_KIND = 'VirtioCryptoNodeState';
export const NODE_STATE_PLURAL = 'virtiocryptonodestates';
export const NODE_STATE_SINGULAR = 'virtiocryptonodestate';
export const NODE_STATE_SHORT_NAMES: readonly string[] = ['vcns'];

/** Labels on every VirtioCryptoNodeState: which pool and which node it describes. */
/** The largest uid or gid a socket may be given: 2^32 - 2 (2^32 - 1 is chown's "leave it as it is"). */
export const MAX_UNIX_ID = 4294967294;

export const POOL_LABEL = `${GROUP}/pool`;
export const NODE_LABEL = `${GROUP}/node`;

/** An extended resource name, `<domain>/<name>` (Kubernetes' qualified-name rules, simplified). */
export const EXTENDED_RESOURCE_NAME = new RegExp('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$');

/** The extended resource VMs request for a pool: the spec's resourceName, else `vcrypto.dev/<name>`. */
export function resourceNameFor(name: string, spec: { readonly resourceName?: string | undefined }): string {
  return spec.resourceName ?? `${GROUP}/${name}`;
}

/** The name of the VirtioCryptoNodeState of one pool on one node (cluster scoped). */
export function nodeStateName(pool: string, node: string): string {
  return `${pool}-${node}`;
}

/** The labels a VirtioCryptoNodeState carries, so the operator can list a pool's states. */
export function nodeStateLabels(pool: string, node: string): Record<string, string> {
  return { [POOL_LABEL]: pool, [NODE_LABEL]: node };
}
