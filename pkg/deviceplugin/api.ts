// SPDX-License-Identifier: Apache-2.0
/**
 * The device-agnostic contract of the device-plugin framework, after intel's dpapi: a mandatory
 * `Scanner` that reports a `DeviceTree` (resource name → devices) through a `Notifier`, and
 * optional capabilities a scanner may also implement (`Allocator`, `PreferredAllocator`,
 * `PreStarter`), detected with the type guards below. Also the v1beta1 constants.
 * Knows nothing of gRPC (server.ts) nor of any device kind (cmd/agent/scanner.ts).
 */

/** The kubelet API version this framework speaks. */
export const API_VERSION = 'v1beta1';
export const HEALTHY = 'Healthy';
export const UNHEALTHY = 'Unhealthy';
export const DEFAULT_DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
export const KUBELET_SOCKET_NAME = 'kubelet.sock';
/** The kubelet rejects device ids longer than this. */
export const MAX_DEVICE_ID_LENGTH = 63;

export interface DeviceInfo {
  /** Stable across agent and kubelet restarts; at most 63 characters. */
  readonly id: string;
  readonly healthy: boolean;
  /** NUMA node for topology-aware placement, when known. */
  readonly numaNode?: number;
}

/** Resource name (e.g. vcrypto.dev/default) → the full list of its devices. */
export type DeviceTree = ReadonlyMap<string, readonly DeviceInfo[]>;

export interface Notifier {
  /** Hands over the whole current tree; the manager diffs it against the previous one. */
  notify(tree: DeviceTree): void;
}

export interface Scanner {
  /** Reports the tree now and on every change until `signal` aborts; resolves then. */
  scan(notifier: Notifier, signal: AbortSignal): Promise<void>;
}

export interface MountSpec {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readOnly: boolean;
}

export interface DeviceNodeSpec {
  readonly containerPath: string;
  readonly hostPath: string;
  /** cgroup permissions: any of r, w, m. */
  readonly permissions: string;
}

/** What one container gets for its devices. */
export interface ContainerAllocation {
  readonly envs: Readonly<Record<string, string>>;
  readonly mounts: readonly MountSpec[];
  readonly devices?: readonly DeviceNodeSpec[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Allocator {
  /**
   * Builds one container's allocation. Throws UnknownDeviceError for an id it never advertised
   * and AllocateError for one it cannot hand out; the message reaches the kubelet.
   */
  allocate(resourceName: string, deviceIds: readonly string[]): ContainerAllocation;
}

export interface PreferredAllocationRequest {
  readonly available: readonly string[];
  readonly mustInclude: readonly string[];
  readonly size: number;
}

export interface PreferredAllocator {
  /** A hint: `size` ids from `available` including `mustInclude`. */
  preferredAllocation(resourceName: string, request: PreferredAllocationRequest): string[];
}

export interface PreStarter {
  preStart(resourceName: string, deviceIds: readonly string[]): Promise<void>;
}

export function isAllocator(x: unknown): x is Allocator {
  return typeof (x as Partial<Allocator> | null)?.allocate === 'function';
}

export function isPreferredAllocator(x: unknown): x is PreferredAllocator {
  return typeof (x as Partial<PreferredAllocator> | null)?.preferredAllocation === 'function';
}

export function isPreStarter(x: unknown): x is PreStarter {
  return typeof (x as Partial<PreStarter> | null)?.preStart === 'function';
}

/** Counters a plugin server keeps; pkg/metrics reads them at scrape time. */
export interface PluginStats {
  readonly registrations: number;
  readonly allocateOk: number;
  readonly allocateFailed: number;
}
