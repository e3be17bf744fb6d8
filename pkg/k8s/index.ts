// SPDX-License-Identifier: Apache-2.0
/**
 * pkg/k8s: the Kubernetes client wrapper, the only importer of @kubernetes/client-node.
 * - client.ts: kubeconfig / in-cluster loading and plain-JSON REST verbs
 * - informer.ts: a watch-backed cache that restarts itself after errors
 * - leader-election.ts: Lease-based leader election
 * - resource.ts: resource descriptors, object shapes, REST paths
 * - errors.ts: K8sApiError and isNotFound / isConflict / isAlreadyExists
 */
export { KubeClient, KubeConnection, type ListResult, type PatchType } from './client.js';
export { Informer, type InformerEvent, type InformerOptions } from './informer.js';
export { LeaderElector, type LeaderElectionOptions, type LeaseSpec } from './leader-election.js';
export { RESOURCES, apiVersionOf, resourcePath, type KubeObject, type ObjectMeta, type OwnerReference, type ResourceRef } from './resource.js';
export { K8sApiError, isAlreadyExists, isConflict, isNotFound } from './errors.js';
