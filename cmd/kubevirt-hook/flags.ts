// SPDX-License-Identifier: Apache-2.0
/**
 * The flags of `vcrypto kubevirt-hook` and `vcrypto kubevirt-hook transform`: option tables,
 * zod schemas, help texts, and the mapping to pkg/kubevirt's HookOptions. Nothing else.
 */
import { z } from 'zod';
import {
  DEFAULT_DATA_QUEUES,
  DEFAULT_PCI_SLOT_BASE,
  MAX_PCI_SLOT,
  DEFAULT_HOOK_SOCKET_DIR,
  DEFAULT_HOOK_SOCKET_NAME,
  DEFAULT_QUEUE_SIZE,
  DEFAULT_RECONNECT_SECONDS,
  DEFAULT_SOCKET_PATH_TEMPLATE,
  DeviceModeSchema,
  DeviceOptionsSchema,
  QemuVersionSchema,
  ResourceNameSchema,
  type HookOptions,
} from '../../pkg/kubevirt/index.js';
import { formatFlagHelp, type FlagOptions } from '../internal/flags.js';

const DEVICE_FLAG_OPTIONS: FlagOptions = {
  resource: { type: 'string' },
  'qemu-version': { type: 'string' },
  mode: { type: 'string' },
  'reconnect-seconds': { type: 'string' },
  'device-options': { type: 'string' },
  'socket-path-template': { type: 'string' },
  'data-queues': { type: 'string' },
  'queue-size': { type: 'string' },
  'pci-slot-base': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const SERVE_FLAG_OPTIONS: FlagOptions = {
  ...DEVICE_FLAG_OPTIONS,
  'socket-dir': { type: 'string' },
  'socket-name': { type: 'string' },
};

export const TRANSFORM_FLAG_OPTIONS: FlagOptions = {
  ...DEVICE_FLAG_OPTIONS,
  vmi: { type: 'string' },
  domain: { type: 'string' },
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const DeviceFlagsShape = {
  resource: ResourceNameSchema.optional(),
  qemuVersion: QemuVersionSchema.optional(),
  mode: DeviceModeSchema.default('cryptodev'),
  reconnectSeconds: int(0, 3600).default(DEFAULT_RECONNECT_SECONDS),
  deviceOptions: DeviceOptionsSchema.default([]),
  socketPathTemplate: z
    .string()
    .refine((s) => s.startsWith('/') && s.includes('{index}') && !s.includes(','), { error: 'must be an absolute path containing {index} (and {resource} for VMs with devices of several resources) and no comma' })
    .default(DEFAULT_SOCKET_PATH_TEMPLATE),
  dataQueues: int(1, 64).default(DEFAULT_DATA_QUEUES),
  queueSize: int(2, 32768)
    .refine((n) => (n & (n - 1)) === 0, { error: 'must be a power of two' })
    .default(DEFAULT_QUEUE_SIZE),
  pciSlotBase: z
    .string()
    .regex(/^(0x[0-9a-fA-F]{1,2}|\d{1,2})$/, { error: 'must be a slot number such as 0x10' })
    .transform((s) => Number(s))
    .refine((n) => n >= 1 && n <= MAX_PCI_SLOT, { error: 'must be between 0x1 and 0x1e' })
    .default(DEFAULT_PCI_SLOT_BASE),
  help: z.boolean().optional(),
};

export const ServeFlagsSchema = z.object({
  ...DeviceFlagsShape,
  socketDir: z.string().min(1).default(DEFAULT_HOOK_SOCKET_DIR),
  socketName: z
    .string()
    .regex(/^[\w.-]+\.sock$/, { error: 'must be a file name ending in .sock' })
    .default(DEFAULT_HOOK_SOCKET_NAME),
});
export type ServeFlags = z.infer<typeof ServeFlagsSchema>;

export const TransformFlagsSchema = z.object({
  ...DeviceFlagsShape,
  vmi: z.string({ error: 'is required: the VirtualMachineInstance JSON file' }).min(1),
  domain: z.string().min(1).optional(),
});
export type TransformFlags = z.infer<typeof TransformFlagsSchema>;

export function hookOptionsFrom(f: ServeFlags | TransformFlags): HookOptions {
  return {
    resourceName: f.resource,
    mode: f.mode,
    qemuVersion: f.qemuVersion,
    reconnectSeconds: f.reconnectSeconds,
    socketPathTemplate: f.socketPathTemplate,
    deviceOptions: f.deviceOptions,
    dataQueues: f.dataQueues,
    queueSize: f.queueSize,
    pciSlotBase: f.pciSlotBase,
  };
}

const DEVICE_HELP_ROWS = [
  ['--resource NAME', "count only this extended resource: vcrypto.dev/<pool>, or a pool's spec.resourceName such as example.com/crypto; default: every vcrypto.dev/* resource the VMI names"],
  ['--qemu-version X.Y', "virt-launcher's QEMU; picks reconnect (< 9.2) or reconnect-ms (>= 9.2); unknown: no reconnect option"],
  ['--mode MODE', 'cryptodev (QEMU cryptodev-vhost-user + virtio-crypto-pci, default) or device (vhost-user-device-pci, QEMU >= 8.2)'],
  ['--reconnect-seconds N', `seconds between QEMU's reconnect attempts to a restarted device, 0 = off (default ${DEFAULT_RECONNECT_SECONDS})`],
  ['--device-options K=V,...', 'extra -device options, e.g. vectors=0 (needed by QEMU 7.2 with cryptodev-vhost-user)'],
  ['--socket-path-template P', `device socket inside the compute container; {resource} is the resource name, {index} the device's index among that resource's (default ${DEFAULT_SOCKET_PATH_TEMPLATE})`],
  ['--data-queues N', `device mode: data queues (default ${DEFAULT_DATA_QUEUES})`],
  ['--queue-size N', `device mode: entries per virtqueue, a power of two (default ${DEFAULT_QUEUE_SIZE})`],
  ['--pci-slot-base SLOT', `device i gets slot SLOT+i on the root bus (pcie.0 on q35) (default 0x${DEFAULT_PCI_SLOT_BASE.toString(16)}); bus=/addr= in --device-options win`],
] as const;

const VMI_OVERRIDES = `VMI annotations override the flags for one VM:
  vcrypto.dev/mode            cryptodev | device
  vcrypto.dev/qemu-version    X.Y[.Z]
  vcrypto.dev/device-options  K=V,...`;

export const SERVE_HELP = `Usage: vcrypto kubevirt-hook [flags]
       vcrypto kubevirt-hook transform --vmi VMI.json [flags] < domain.xml > out.xml

Runs the KubeVirt hook sidecar: a gRPC server on SOCKET-DIR/SOCKET-NAME that virt-launcher calls
(Info, then OnDefineDomain; hook API versions v1alpha1, v1alpha2, v1alpha3). For a VMI that asks
for devices of vcrypto.dev/<pool> resources in spec.domain.resources (N of one pool, or some of
several), it makes guest memory a shared memfd and adds, per device i of resource R, a socket
chardev on /var/run/vcrypto/R/<i>/vhost.sock (where the node agent mounts it) and the
virtio-crypto device as <qemu:commandline> arguments. Other VMIs pass through unchanged. It exits
when virt-launcher calls Shutdown (v1alpha3), or on SIGTERM/SIGINT.

Put it in a VM with the annotation (needs KubeVirt's Sidecar feature gate):
  hooks.kubevirt.io/hookSidecars: '[{"image": "<vcrypto image>", "args": ["kubevirt-hook", "--qemu-version", "9.1"]}]'

A vhost-user crypto device cannot be live-migrated: give such VMs evictionStrategy: None; the hook
logs a warning when a VMI may migrate.

Flags:
${formatFlagHelp([
  ['--socket-dir DIR', `where virt-launcher looks for hook sockets (default ${DEFAULT_HOOK_SOCKET_DIR})`],
  ['--socket-name NAME', `the socket's file name (default ${DEFAULT_HOOK_SOCKET_NAME})`],
  ...DEVICE_HELP_ROWS,
  ['-h, --help', 'show this help'],
])}

${VMI_OVERRIDES}

Environment:
  VCRYPTO_LOG_LEVEL   debug, info (default), warn, error

Exit codes: 0 stopped (Shutdown or signal), 2 bad flags, 3 the socket could not be served.
See docs/kubevirt.md for a walkthrough.`;

export const TRANSFORM_HELP = `Usage: vcrypto kubevirt-hook transform --vmi VMI.json [--domain domain.xml] [flags] > out.xml

Does offline what the hook does in OnDefineDomain: reads the domain XML (stdin, or --domain) and
the VirtualMachineInstance JSON (for example 'kubectl get vmi NAME -o json'), writes the new
domain XML to stdout and a one-line summary to stderr. Applying it twice gives the same XML.

Flags:
${formatFlagHelp([
  ['--vmi FILE', 'the VirtualMachineInstance as JSON (required)'],
  ['--domain FILE', 'the domain XML; default: stdin'],
  ...DEVICE_HELP_ROWS,
  ['-h, --help', 'show this help'],
])}

${VMI_OVERRIDES}

Exit codes: 0 written, 1 the VMI or domain was refused (message on stderr), 2 bad flags.`;
