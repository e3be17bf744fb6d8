// SPDX-License-Identifier: Apache-2.0
/**
 * What the hook needs to know besides the domain and the VMI: the resource to count, the device
 * mode, the QEMU version, reconnect delay, socket paths and extra -device options. The zod
 * schemas validate them wherever they come from (flags, VMI annotations); VMI annotations
 * override the hook's flags for that one VM. Knows nothing of XML or gRPC.
 */
import { z } from 'zod';
import { EXTENDED_RESOURCE_NAME } from '../api/names.js';
import { DEFAULT_PCI_SLOT_BASE, DEFAULT_SOCKET_PATH_TEMPLATE, type DeviceArgsOptions, type DeviceMode } from './device-args.js';
import { RequestInvalidError } from './errors.js';
import { QemuVersionSchema, type QemuVersion } from './qemu-version.js';
import { vmiAnnotation, type Vmi } from './vmi.js';

/** The API group; extended resources are `vcrypto.dev/<pool>`. */
export const RESOURCE_PREFIX = 'vcrypto.dev/';

/** VMI annotations a VM owner may set to override the hook's flags for one VM. */
export const ANNOTATIONS = {
  mode: 'vcrypto.dev/mode',
  qemuVersion: 'vcrypto.dev/qemu-version',
  deviceOptions: 'vcrypto.dev/device-options',
} as const;

export const DEFAULT_RECONNECT_SECONDS = 1;
export const DEFAULT_DATA_QUEUES = 1;
export const DEFAULT_QUEUE_SIZE = 1024;

/** -device options the hook sets itself; a user may not override them. */
const RESERVED_DEVICE_KEYS = new Set(['id', 'chardev', 'cryptodev', 'virtio-id', 'num_vqs', 'vq_size', 'config_size', 'driver']);

export const DeviceModeSchema = z.enum(['cryptodev', 'device'], { error: "must be 'cryptodev' or 'device'" });

export const ResourceNameSchema = z
  .string()
  .max(253)
  .regex(EXTENDED_RESOURCE_NAME, { error: "must be an extended resource name: vcrypto.dev/<pool>, or a pool's spec.resourceName such as example.com/crypto" });

/** "vectors=0,event_idx=off" → ["vectors=0", "event_idx=off"]; refuses the keys the hook owns. */
export const DeviceOptionsSchema = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p !== ''))
  .check((ctx) => {
    for (const opt of ctx.value) {
      const m = /^([a-zA-Z][\w.-]*)=([^\s,=]+)$/.exec(opt);
      if (m === null) ctx.issues.push({ code: 'custom', input: ctx.value, message: `'${opt}' is not key=value` });
      else if (RESERVED_DEVICE_KEYS.has(m[1] ?? '')) {
        ctx.issues.push({ code: 'custom', input: ctx.value, message: `'${m[1] ?? ''}' is set by the hook and cannot be overridden` });
      }
    }
  });

export interface HookOptions {
  /** Undefined: count every vcrypto.dev/* resource the VMI names. */
  readonly resourceName: string | undefined;
  readonly mode: DeviceMode;
  readonly qemuVersion: QemuVersion | undefined;
  readonly reconnectSeconds: number;
  readonly socketPathTemplate: string;
  readonly deviceOptions: readonly string[];
  readonly dataQueues: number;
  readonly queueSize: number;
  /** First PCI slot on the root bus for device 0; device i takes the next ones. */
  readonly pciSlotBase: number;
}

export const DEFAULT_HOOK_OPTIONS: HookOptions = {
  resourceName: undefined,
  mode: 'cryptodev',
  qemuVersion: undefined,
  reconnectSeconds: DEFAULT_RECONNECT_SECONDS,
  socketPathTemplate: DEFAULT_SOCKET_PATH_TEMPLATE,
  deviceOptions: [],
  dataQueues: DEFAULT_DATA_QUEUES,
  queueSize: DEFAULT_QUEUE_SIZE,
  pciSlotBase: DEFAULT_PCI_SLOT_BASE,
};

function fromAnnotation<T>(vmi: Vmi, key: string, schema: z.ZodType<T>): T | undefined {
  const raw = vmiAnnotation(vmi, key);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new RequestInvalidError(`annotation ${key}=${JSON.stringify(raw)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/**
 * The options for one VMI: the hook's own, overridden by the VMI's annotations; `pciBus` is the
 * root bus of the domain's machine type.
 */
export function effectiveOptions(base: HookOptions, vmi: Vmi, pciBus: string | undefined): DeviceArgsOptions {
  return {
    pciBus,
    pciSlotBase: base.pciSlotBase,
    mode: fromAnnotation(vmi, ANNOTATIONS.mode, DeviceModeSchema) ?? base.mode,
    qemuVersion: fromAnnotation(vmi, ANNOTATIONS.qemuVersion, QemuVersionSchema) ?? base.qemuVersion,
    reconnectSeconds: base.reconnectSeconds,
    socketPathTemplate: base.socketPathTemplate,
    deviceOptions: fromAnnotation(vmi, ANNOTATIONS.deviceOptions, DeviceOptionsSchema) ?? base.deviceOptions,
    dataQueues: base.dataQueues,
    queueSize: base.queueSize,
  };
}
