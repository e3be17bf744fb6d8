// SPDX-License-Identifier: Apache-2.0
/**
 * QEMU versions as the hook needs them: parse "X.Y[.Z]" (as a flag or annotation gives it) and
 * decide which spelling of the socket chardev's reconnect option that QEMU takes. Knows nothing
 * of XML or of the VMI.
 */
import { z } from 'zod';

export interface QemuVersion {
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
}

export const QemuVersionSchema = z
  .string()
  .trim()
  .regex(/^\d{1,3}\.\d{1,3}(\.\d{1,3})?$/, { error: 'must look like 7.2 or 9.2.0' })
  .transform((s): QemuVersion => {
    const [major = 0, minor = 0, micro = 0] = s.split('.').map((p) => Number.parseInt(p, 10));
    return { major, minor, micro };
  });

export function formatQemuVersion(v: QemuVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}

export function compareQemuVersion(a: QemuVersion, b: QemuVersion): number {
  return a.major - b.major || a.minor - b.minor || a.micro - b.micro;
}

/** QEMU 9.2 deprecated the chardev `reconnect` (seconds) for `reconnect-ms`; later QEMU removes it. */
export const RECONNECT_MS_SINCE: QemuVersion = { major: 9, minor: 2, micro: 0 };
/** QEMU 8.2 added the generic vhost-user-device(-pci) frontend. */
export const VHOST_USER_DEVICE_SINCE: QemuVersion = { major: 8, minor: 2, micro: 0 };

/**
 * The chardev option that makes QEMU reconnect to a restarted device process, or undefined when
 * reconnecting is off or the QEMU version is unknown (guessing wrong makes QEMU refuse to start).
 */
export function reconnectOption(version: QemuVersion | undefined, reconnectSeconds: number): string | undefined {
  if (version === undefined || reconnectSeconds <= 0) return undefined;
  return compareQemuVersion(version, RECONNECT_MS_SINCE) >= 0
    ? `reconnect-ms=${reconnectSeconds * 1000}`
    : `reconnect=${reconnectSeconds}`;
}
