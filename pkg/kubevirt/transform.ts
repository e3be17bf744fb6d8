// SPDX-License-Identifier: Apache-2.0
/**
 * One OnDefineDomain, as a pure function: VMI JSON + domain XML + hook options → new domain XML
 * and notes for the caller to log. Counts the devices the VMI asked for, and when there are any,
 * makes guest RAM a shared memfd and puts one set of QEMU arguments per device in
 * <qemu:commandline>. Applying it to its own output changes nothing. Used by the gRPC hook and
 * by `vcrypto kubevirt-hook transform`; knows nothing of either.
 */
import { allDeviceArgs, isOurArgValue, MAX_PCI_SLOT, MAX_SOCKET_PATH_BYTES, rootPciBus, socketPathFor, type DeviceArgsOptions, type DeviceSlot } from './device-args.js';
import { ensureSharedMemory, machineType, parseDomain, replaceQemuArgs, serializeDomain } from './domain-xml.js';
import { RequestInvalidError } from './errors.js';
import { effectiveOptions, RESOURCE_PREFIX, type HookOptions } from './hook-options.js';
import { compareQemuVersion, formatQemuVersion, VHOST_USER_DEVICE_SINCE } from './qemu-version.js';
import { migrationIntent, parseVmi, requestedDevices, vmiDisplayName, type DeviceRequest } from './vmi.js';

export type TransformNote =
  /** The VMI may be live-migrated, which QEMU refuses for virtio-crypto. */
  | { readonly kind: 'migration'; readonly reason: string }
  /** Devices were added without a reconnect option (QEMU version unknown, or reconnecting off). */
  | { readonly kind: 'no-reconnect'; readonly reason: string };

export interface TransformResult {
  readonly xml: string;
  readonly vmi: string;
  /** What was asked for, per resource, in device order; empty when nothing was. */
  readonly requests: readonly DeviceRequest[];
  readonly deviceCount: number;
  /** The per-VMI options used; undefined when no device was asked for. */
  readonly options: DeviceArgsOptions | undefined;
  readonly notes: readonly TransformNote[];
}

export function transformDomain(domainXml: string, vmiJson: Uint8Array | string, hook: HookOptions): TransformResult {
  const vmi = parseVmi(vmiJson);
  const name = vmiDisplayName(vmi);
  const requests = requestedDevices(vmi, hook.resourceName, RESOURCE_PREFIX);
  const slots: DeviceSlot[] = requests.flatMap((r) => Array.from({ length: r.count }, (_, index) => ({ resource: r.resource, index })));
  const count = slots.length;
  if (count === 0) return { xml: domainXml, vmi: name, requests, deviceCount: 0, options: undefined, notes: [] };

  const doc = parseDomain(domainXml);
  const options = effectiveOptions(hook, vmi, rootPciBus(machineType(doc)));
  if (options.pciBus !== undefined && options.pciSlotBase + count - 1 > MAX_PCI_SLOT) {
    throw new RequestInvalidError(`${count} devices from PCI slot 0x${options.pciSlotBase.toString(16)} do not fit below slot 0x${MAX_PCI_SLOT.toString(16)}`);
  }
  checkSocketPaths(options.socketPathTemplate, requests, slots);
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
  replaceQemuArgs(doc, allDeviceArgs(slots, options), isOurArgValue);
  return { xml: serializeDomain(doc), vmi: name, requests, deviceCount: count, options, notes };
}

/** Refuses socket paths two devices would share, or that do not fit a unix socket address. */
function checkSocketPaths(template: string, requests: readonly DeviceRequest[], slots: readonly DeviceSlot[]): void {
  if (requests.length > 1 && !template.includes('{resource}')) {
    throw new RequestInvalidError(
      `VMI asks for devices of ${requests.length} resources (${requests.map((r) => r.resource).join(', ')}), but the socket path template ${template} has no {resource}, so their devices would share socket paths`,
    );
  }
  for (const slot of slots) {
    const path = socketPathFor(template, slot);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
      throw new RequestInvalidError(`socket path ${path} is ${Buffer.byteLength(path)} bytes; a unix socket path holds at most ${MAX_SOCKET_PATH_BYTES}`);
    }
  }
}
