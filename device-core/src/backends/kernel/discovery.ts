// SPDX-License-Identifier: Apache-2.0
/**
 * Capability discovery: which of our algorithms the running kernel serves, through which driver,
 * and whether that driver is hardware. Steps:
 *  1. bind an AF_ALG socket to each kernel name in algorithms.ts (and to a pinned driver's
 *     name), which loads template modules and instantiates "cbc(aes)" and friends; a bind that
 *     fails leaves the algorithm out; EAFNOSUPPORT means AF_ALG itself is missing;
 *  2. read /proc/crypto and keep, per kernel name, the entries of a bindable type that passed
 *     their self-test and are not internal;
 *  3. choose the driver: the pinned one (--kernel-driver) when it serves the name, else the
 *     highest-priority hardware driver, else the highest-priority driver (the kernel's own choice).
 * Sessions then bind the chosen driver's unique name, so what is reported is what runs.
 * Knows nothing of sessions or virtio.
 */
import { NativeAddonError } from '../../os/index.js';
import { errnoCode, type AlgApi } from './alg-api.js';
import { PROC_TYPES, tableRows, type AlgSocketType, type TableRow } from './algorithms.js';
import { isHardwareDriver } from './classify.js';
import { KernelDriverError, KernelUnavailableError } from './errors.js';
import type { ProcCryptoEntry } from './proc-crypto.js';

export interface KernelAlgorithm extends TableRow {
  /** The driver sessions bind (its unique cra_driver_name). */
  readonly driver: string;
  readonly hardware: boolean;
  readonly priority: number;
  readonly module: string;
}

export interface DiscoveryOptions {
  readonly api: AlgApi;
  readonly readProcCrypto: () => ProcCryptoEntry[];
  /** Pin this driver for the algorithms it serves. */
  readonly kernelDriver?: string;
}

/** Binds and closes; true when the kernel accepted the name. Throws KernelUnavailableError without AF_ALG. */
function canBind(api: AlgApi, type: AlgSocketType, name: string): boolean {
  let fd: number;
  try {
    fd = api.bind(type, name);
  } catch (e: unknown) {
    if (errnoCode(e) === 'EAFNOSUPPORT') {
      throw new KernelUnavailableError('AF_ALG is not available in this kernel (socket(AF_ALG) failed with EAFNOSUPPORT)', { cause: e });
    }
    if (e instanceof NativeAddonError) throw new KernelUnavailableError('the native addon that makes AF_ALG calls is not loaded', { cause: e });
    return false;
  }
  api.close(fd);
  return true;
}

export function chooseEntry(candidates: readonly ProcCryptoEntry[], pinned: string | undefined): ProcCryptoEntry | undefined {
  const pin = candidates.find((c) => c.driver === pinned);
  if (pin !== undefined) return pin;
  const byPriority = [...candidates].sort((a, b) => b.priority - a.priority);
  return byPriority.find((c) => isHardwareDriver(c.driver)) ?? byPriority[0];
}

export function discoverKernelAlgorithms(o: DiscoveryOptions): KernelAlgorithm[] {
  const rows = tableRows();
  if (o.kernelDriver !== undefined) {
    for (const type of new Set(rows.map((r) => r.socket))) canBind(o.api, type, o.kernelDriver);
  }
  const bindable = rows.filter((r) => canBind(o.api, r.socket, r.kernelName));
  let entries: ProcCryptoEntry[];
  try {
    entries = o.readProcCrypto();
  } catch (e: unknown) {
    throw new KernelUnavailableError('/proc/crypto could not be read', { cause: e });
  }
  const out: KernelAlgorithm[] = [];
  for (const r of bindable) {
    const candidates = entries.filter(
      (e) => e.name === r.kernelName && !e.internal && e.selftest === 'passed' && PROC_TYPES[r.socket].includes(e.type),
    );
    const chosen = chooseEntry(candidates, o.kernelDriver);
    if (chosen === undefined) continue;
    out.push({ ...r, driver: chosen.driver, hardware: isHardwareDriver(chosen.driver), priority: chosen.priority, module: chosen.module });
  }
  if (o.kernelDriver !== undefined && !out.some((a) => a.driver === o.kernelDriver)) {
    throw new KernelDriverError(`kernel driver ${o.kernelDriver} serves none of the algorithms the kernel backend maps (see /proc/crypto)`);
  }
  return out;
}
