// SPDX-License-Identifier: Apache-2.0
/**
 * One OnDefineDomain, as a pure function: VMI JSON + domain XML + hook options → new domain XML
 * and notes for the caller to log. Counts the devices the VMI asked for, and when there are any,
 * makes guest RAM a shared memfd and puts one set of QEMU arguments per device in
 * <qemu:commandline>. Applying it to its own output changes nothing. Used by the gRPC hook and
 * by `vcrypto kubevirt-hook transform`; knows nothing of either.
 */
import { allDeviceArgs, isOurArgValue, MAX_PCI_SLOT, rootPciBus, type DeviceArgsOptions } from './device-args.js';
import { ensureSharedMemory, machineType, parseDomain, replaceQemuArgs, serializeDomain } from './domain-xml.js';
import { RequestInvalidError } from './errors.js';
import { effectiveOptions, RESOURCE_PREFIX, type HookOptions } from './hook-options.js';
import { compareQemuVersion, formatQemuVersion, VHOST_USER_DEVICE_SINCE } from './qemu-version.js';
import { migrationIntent, parseVmi, requestedDevices, vmiDisplayName } from './vmi.js';

export type TransformNote =
  /** The VMI may be live-migrated, which QEMU refuses for virtio-crypto. */
  | { readonly kind: 'migration'; readonly reason: string }
  /** Devices were added without a reconnect option (QEMU version unknown, or reconnecting off). */
  | { readonly kind: 'no-reconnect'; readonly reason: string };

export interface TransformResult {
  readonly xml: string;
  readonly vmi: string;
  readonly resource: string | undefined;
  readonly deviceCount: number;
  /** The per-VMI options used; undefined when no device was asked for. */
  readonly options: DeviceArgsOptions | undefined;
  readonly notes: readonly TransformNote[];
}

export function transformDomain(domainXml: string, vmiJson: Uint8Array | string, hook: HookOptions): TransformResult {
  const vmi = parseVmi(vmiJson);
  const name = vmiDisplayName(vmi);
  const { resource, count } = requestedDevices(vmi, hook.resourceName, RESOURCE_PREFIX);
  if (count === 0) return { xml: domainXml, vmi: name, resource, deviceCount: 0, options: undefined, notes: [] };

  const doc = parseDomain(domainXml);
  const options = effectiveOptions(hook, vmi, rootPciBus(machineType(doc)));
  if (options.pciBus !== undefined && options.pciSlotBase + count - 1 > MAX_PCI_SLOT) {
    throw new RequestInvalidError(`${count} devices from PCI slot 0x${options.pciSlotBase.toString(16)} do not fit below slot 0x${MAX_PCI_SLOT.toString(16)}`);
  }
  if (options.mode === 'device' && options.qemuVersion !== undefined && compareQemuVersion(options.qemuVersion, VHOST_USER_DEVICE_SINCE) < 0) {
    throw new RequestInvalidError(
      `device mode needs QEMU 8.2 or newer (vhost-user-device-pci), the VMI's QEMU is ${formatQemuVersion(options.qemuVersion)}`,
    );
  }
  const notes: TransformNote[] = [];
  const migration = migrationIntent(vmi);
  if (migration !== undefined) notes.push({ kind: 'migration', reason: migration });
  if (options.reconnectSeconds > 0 && options.qemuVersion === undefined) {
    notes.push({ kind: 'no-reconnect', reason: 'the QEMU version is unknown; set --qemu-version or the vcrypto.dev/qemu-version annotation' });
  }

  ensureSharedMemory(doc);
  replaceQemuArgs(doc, allDeviceArgs(count, options), isOurArgValue);
  return { xml: serializeDomain(doc), vmi: name, resource, deviceCount: count, options, notes };
}
