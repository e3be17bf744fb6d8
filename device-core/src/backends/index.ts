// SPDX-License-Identifier: Apache-2.0
/**
 * The backend factory: the single place that turns a backend name into a CryptoBackend.
 * Add yours here: one entry in BACKENDS. Knows nothing of virtio.
 *   software  node:crypto (OpenSSL)
 *   kernel    the Linux kernel crypto API through AF_ALG; throws KernelUnavailableError where the
 *             kernel has no AF_ALG, KernelDriverError for a --kernel-driver that serves nothing
 *   auto      kernel for what a hardware (or the pinned) kernel driver serves, software for the
 *             rest; without AF_ALG it says so once through onNotice and is software only
 *   null      advertises nothing (the reference implementation)
 * Any of them narrowed by a Restriction (restricted/): only the services and algorithms asked for.
 */
import { AutoBackend } from './auto/index.js';
import { KernelBackend, KernelUnavailableError } from './kernel/index.js';
import { NullBackend } from './null/index.js';
import { RestrictedBackend, type Restriction } from './restricted/index.js';
import { SoftwareBackend } from './software/index.js';
import type { CryptoBackend } from './types.js';

export type BackendKind = 'software' | 'kernel' | 'auto' | 'null';

export interface BackendOptions {
  /** Kernel and auto backends: pin one kernel driver by its /proc/crypto driver name. */
  readonly kernelDriver?: string;
  /** Called once with a one-line explanation when auto runs without the kernel backend. */
  readonly onNotice?: (message: string) => void;
  /** Offer only these services and algorithms (the rest is refused as not supported). */
  readonly restriction?: Restriction;
}

const kernelOptions = (o: BackendOptions) => (o.kernelDriver !== undefined ? { kernelDriver: o.kernelDriver } : {});

function createAuto(o: BackendOptions): CryptoBackend {
  let kernel: KernelBackend | undefined;
  try {
    kernel = new KernelBackend(kernelOptions(o));
  } catch (e: unknown) {
    if (!(e instanceof KernelUnavailableError)) throw e;
    o.onNotice?.(`kernel crypto API unavailable, the auto backend serves everything in software: ${e.message}`);
  }
  return new AutoBackend({ kernel, software: new SoftwareBackend(), ...(o.kernelDriver !== undefined ? { pinnedDriver: o.kernelDriver } : {}) });
}

const BACKENDS: Record<BackendKind, (options: BackendOptions) => CryptoBackend> = {
  software: () => new SoftwareBackend(),
  kernel: (o) => new KernelBackend(kernelOptions(o)),
  auto: createAuto,
  null: () => new NullBackend(),
};

export const BACKEND_KINDS = Object.keys(BACKENDS) as BackendKind[];

export function createCryptoBackend(kind: BackendKind, options: BackendOptions = {}): CryptoBackend {
  const backend = BACKENDS[kind](options);
  const r = options.restriction;
  return r === undefined || (r.services === undefined && r.algorithms === undefined) ? backend : new RestrictedBackend(backend, r);
}

export { KernelBackend, KernelBackendError, KernelDriverError, KernelUnavailableError, isHardwareDriver } from './kernel/index.js';
export type { KernelAlgorithm } from './kernel/index.js';
export { AutoBackend } from './auto/index.js';
export { SERVICE_NAMES, type ServiceName } from './restricted/index.js';
export * from './types.js';
