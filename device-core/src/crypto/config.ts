// SPDX-License-Identifier: Apache-2.0
/**
 * Builds the 56-byte virtio_crypto_config (spec "Crypto Device / Device configuration layout")
 * from what the backend can compute. Knows nothing of how the config reaches the driver.
 */
import type { BackendCapabilities } from '../backends/types.js';
import { VIRTIO_CRYPTO_CONFIG_LEN, VIRTIO_CRYPTO_S_HW_READY, VIRTIO_CRYPTO_SERVICE as SV } from '../spec/virtio-crypto.js';
import { algorithmMasks } from './algorithms.js';

export interface ConfigInputs {
  readonly maxDataQueues: number;
  readonly maxCipherKeyLen: number;
  readonly maxAuthKeyLen: number;
  readonly maxSize: number;
}

export function buildConfig(caps: BackendCapabilities, inputs: ConfigInputs): Uint8Array {
  const m = algorithmMasks(caps);
  let services = 0;
  if (m.cipher !== 0n) services |= 1 << SV.VIRTIO_CRYPTO_SERVICE_CIPHER;
  if (m.hash !== 0) services |= 1 << SV.VIRTIO_CRYPTO_SERVICE_HASH;
  if (m.mac !== 0n) services |= 1 << SV.VIRTIO_CRYPTO_SERVICE_MAC;
  if (m.aead !== 0) services |= 1 << SV.VIRTIO_CRYPTO_SERVICE_AEAD;
  if (m.akcipher !== 0) services |= 1 << SV.VIRTIO_CRYPTO_SERVICE_AKCIPHER;
  const b = Buffer.alloc(VIRTIO_CRYPTO_CONFIG_LEN);
  b.writeUInt32LE(VIRTIO_CRYPTO_S_HW_READY, 0);
  b.writeUInt32LE(inputs.maxDataQueues, 4);
  b.writeUInt32LE(services, 8);
  b.writeUInt32LE(Number(m.cipher & 0xffffffffn), 12);
  b.writeUInt32LE(Number(m.cipher >> 32n), 16);
  b.writeUInt32LE(m.hash, 20);
  b.writeUInt32LE(Number(m.mac & 0xffffffffn), 24);
  b.writeUInt32LE(Number(m.mac >> 32n), 28);
  b.writeUInt32LE(m.aead, 32);
  b.writeUInt32LE(inputs.maxCipherKeyLen, 36);
  b.writeUInt32LE(inputs.maxAuthKeyLen, 40);
  b.writeUInt32LE(m.akcipher, 44);
  b.writeBigUInt64LE(BigInt(inputs.maxSize), 48);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
