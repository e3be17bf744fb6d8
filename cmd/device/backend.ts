// SPDX-License-Identifier: Apache-2.0
/**
 * Builds the crypto backend a device's flags ask for (kind, kernel driver, --services and
 * --algorithms restriction): one recipe for the main thread and for each queue worker, so both
 * compute with the same offer. Nothing else.
 */
import { createCryptoBackend, type CryptoBackend, type ServiceName } from '../../device-core/src/index.js';
import type { DeviceFlags } from './flags.js';

export type BackendFlags = Pick<DeviceFlags, 'backend' | 'kernelDriver' | 'services' | 'algorithms'>;

export function buildBackend(flags: BackendFlags, onNotice: (message: string) => void): CryptoBackend {
  return createCryptoBackend(flags.backend, {
    ...(flags.kernelDriver !== undefined ? { kernelDriver: flags.kernelDriver } : {}),
    onNotice,
    restriction: {
      ...(flags.services !== undefined ? { services: new Set(flags.services as ServiceName[]) } : {}),
      ...(flags.algorithms !== undefined ? { algorithms: new Set(flags.algorithms) } : {}),
    },
  });
}
