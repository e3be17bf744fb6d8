// SPDX-License-Identifier: Apache-2.0
/**
 * The QEMU arguments for one vcrypto device slot, as flag/value pairs: a socket chardev on the
 * slot's vhost-user socket, then either QEMU's cryptodev-vhost-user object with virtio-crypto-pci
 * (cryptodev mode) or the generic vhost-user-device-pci with virtio-id 20 (device mode).
 * Also recognises the ids it gives, so a second run can find and replace its own arguments.
 * Pure: knows nothing of XML, the VMI or gRPC.
 */
import { reconnectOption, type QemuVersion } from './qemu-version.js';

export type DeviceMode = 'cryptodev' | 'device';

/** virtio device id of virtio-crypto (virtio spec, "Device Types"). */
export const VIRTIO_ID_CRYPTO = 20;
/** Size in bytes of struct virtio_crypto_config, asked for by vhost-user-device's config_size. */
export const VIRTIO_CRYPTO_CONFIG_SIZE_BYTES = 56;
/**
 * Where the node agent mounts slot i of a container's request for `{resource}` (the extended
 * resource name, e.g. vcrypto.dev/fast) inside the virt-launcher compute container.
 */
export const DEFAULT_SOCKET_PATH_TEMPLATE = '/var/run/vcrypto/{resource}/{index}/vhost.sock';
/** sun_path of struct sockaddr_un holds 108 bytes, the terminating NUL included. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** One device of the VMI: the `index`-th slot of its request for `resource`. */
export interface DeviceSlot {
  readonly resource: string;
  readonly index: number;
}

export interface DeviceArgsOptions {
  readonly mode: DeviceMode;
  /** Undefined: unknown, and then no reconnect option is emitted. */
  readonly qemuVersion: QemuVersion | undefined;
  /** 0 turns reconnecting off. */
  readonly reconnectSeconds: number;
  /** `{resource}` is replaced by the resource name, `{index}` by the slot's index in its request. */
  readonly socketPathTemplate: string;
  /** Extra `key=value` options appended to the -device argument, e.g. `vectors=0` for QEMU 7.2. */
  readonly deviceOptions: readonly string[];
  /** Device mode only: data queues behind the control queue. */
  readonly dataQueues: number;
  /** Device mode only: entries per virtqueue. */
  readonly queueSize: number;
  /**
   * Root bus for an explicit PCI address (`pcie.0` on q35, `pci.0` on i440fx), or undefined to
   * let QEMU choose. An explicit slot is needed: QEMU creates -device arguments given in the
   * legacy syntax (ours, through <qemu:commandline>) before libvirt's JSON ones, so an
   * auto-placed crypto device takes a slot libvirt already gave another device (seen with
   * libvirt 9.0 / QEMU 7.2: "slot 1 function 0 not available for VGA").
   */
  readonly pciBus: string | undefined;
  /** Device k (over all resources) goes to slot pciSlotBase + k; far above the slots libvirt fills from 1 upward. */
  readonly pciSlotBase: number;
}

export interface QemuArg {
  readonly flag: '-chardev' | '-object' | '-device';
  readonly value: string;
}

export const chardevId = (i: number): string => `vcrypto${i}`;
export const cryptodevId = (i: number): string => `vcryptodev${i}`;
export const deviceId = (i: number): string => `vcrypto-dev${i}`;

const OUR_ID = /^(vcrypto\d+|vcryptodev\d+|vcrypto-dev\d+)$/;

/** Default first slot for our devices on the root bus (libvirt fills slots from 1 upward). */
export const DEFAULT_PCI_SLOT_BASE = 0x10;
/** The last usable slot: 0x1f is the q35 ICH9 LPC/SMBus/SATA function block. */
export const MAX_PCI_SLOT = 0x1e;

/** The root bus of a machine type as libvirt names QEMU's buses, or undefined when unknown. */
export function rootPciBus(machine: string | undefined): string | undefined {
  if (machine === undefined) return undefined;
  if (/q35|^virt/.test(machine)) return 'pcie.0';
  if (/^pc(-i440fx.*)?$|^pc-\d|^pc-i440fx/.test(machine)) return 'pci.0';
  return undefined;
}

function placement(index: number, o: DeviceArgsOptions): string[] {
  if (o.pciBus === undefined) return [];
  // A user-given bus or addr wins over ours.
  if (o.deviceOptions.some((d) => d.startsWith('bus=') || d.startsWith('addr='))) return [];
  return [`bus=${o.pciBus}`, `addr=0x${(o.pciSlotBase + index).toString(16)}`];
}

export function socketPathFor(template: string, slot: DeviceSlot): string {
  return template.replaceAll('{resource}', slot.resource).replaceAll('{index}', String(slot.index));
}

/**
 * The arguments for device `index` of the VMI (its ids and PCI slot), served by `slot`, in the
 * order QEMU needs them (chardev before its users).
 */
export function deviceArgs(index: number, slot: DeviceSlot, o: DeviceArgsOptions): QemuArg[] {
  const chardev = chardevId(index);
  const reconnect = reconnectOption(o.qemuVersion, o.reconnectSeconds);
  const chardevValue = [`socket`, `id=${chardev}`, `path=${socketPathFor(o.socketPathTemplate, slot)}`]
    .concat(reconnect === undefined ? [] : [reconnect])
    .join(',');
  const args: QemuArg[] = [{ flag: '-chardev', value: chardevValue }];
  if (o.mode === 'cryptodev') {
    args.push({ flag: '-object', value: `cryptodev-vhost-user,id=${cryptodevId(index)},chardev=${chardev}` });
    args.push({
      flag: '-device',
      value: [`virtio-crypto-pci`, `id=${deviceId(index)}`, `cryptodev=${cryptodevId(index)}`, ...placement(index, o), ...o.deviceOptions].join(','),
    });
  } else {
    args.push({
      flag: '-device',
      value: [
        'vhost-user-device-pci',
        `id=${deviceId(index)}`,
        `chardev=${chardev}`,
        `virtio-id=${VIRTIO_ID_CRYPTO}`,
        `num_vqs=${o.dataQueues + 1}`,
        `vq_size=${o.queueSize}`,
        `config_size=${VIRTIO_CRYPTO_CONFIG_SIZE_BYTES}`,
        ...placement(index, o),
        ...o.deviceOptions,
      ].join(','),
    });
  }
  return args;
}

/** The arguments for every slot, device k served by slots[k]. */
export function allDeviceArgs(slots: readonly DeviceSlot[], o: DeviceArgsOptions): QemuArg[] {
  return slots.flatMap((slot, k) => deviceArgs(k, slot, o));
}

/** True when `value` (the word after -chardev/-object/-device) carries an id this module gives. */
export function isOurArgValue(value: string): boolean {
  for (const part of value.split(',')) {
    if (part.startsWith('id=') && OUR_ID.test(part.slice(3))) return true;
  }
  return false;
}

export function isArgFlag(value: string): value is QemuArg['flag'] {
  return value === '-chardev' || value === '-object' || value === '-device';
}
