// SPDX-License-Identifier: Apache-2.0
/**
 * FAKE API server (tests only): the table of resource kinds it serves and the object shape it
 * stores. Knows nothing of HTTP or of any controller; add kinds with `extraResources` when
 * constructing the fake (the CRD kinds come from pkg/api in the tests).
 */
import type { KubeObject, ObjectMeta, OwnerReference } from '../../../pkg/k8s/index.js';

/** One servable resource, as discovery describes it. */
export interface FakeResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Whether the kind has a status subresource (status changes only through /status). */
  readonly status: boolean;
}

/** A stored object: plain JSON with the metadata the fake maintains (pkg/k8s's shape). */
export type FakeObject = KubeObject;
export type FakeMeta = ObjectMeta;
export type FakeOwnerReference = OwnerReference;

/** The core kinds the operator touches. */
export const CORE_FAKE_RESOURCES: readonly FakeResource[] = [
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, status: true },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, status: false },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, status: false },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, status: false },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, status: true },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true, status: false },
];

export function apiVersionOf(r: FakeResource): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** `plural` or `plural.group`: how RBAC rules and the request log name a resource. */
export function qualifiedName(r: FakeResource): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}
