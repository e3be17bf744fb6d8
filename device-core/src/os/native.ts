// SPDX-License-Identifier: Apache-2.0
/**
 * Loads the native addon (device-core/native) and declares its raw shape. The only file that
 * touches the addon; os/index.ts wraps it in typed functions. Knows nothing of vhost-user.
 * NATIVE: the addon is found next to the sources (device-core/native/build/Release) whether this
 * file runs from TypeScript sources or from dist/; VCRYPTO_NATIVE_ADDON overrides the path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeRecv {
  bytes: number;
  fds: number[];
  truncatedFds: number;
}

export interface NativeAddon {
  memfdCreate(name: string, sizeBytes: number): number;
  mmap(fd: number, offsetBytes: number, lengthBytes: number): { buffer: ArrayBuffer; token: object };
  munmap(buffer: ArrayBuffer, token: object): void;
  eventfdCreate(initial?: number): number;
  eventfdWrite(fd: number, value: number): void;
  eventfdRead(fd: number): number;
  close(fd: number): void;
  unixBind(path: string): number;
  listenFd(fd: number, backlog: number): void;
  unixAccept(listenFd: number): number;
  unixConnect(path: string): number;
  sendMsg(fd: number, bytes: Uint8Array, fds: readonly number[]): number;
  recvMsg(fd: number, into: Uint8Array, maxFds: number): NativeRecv | null;
  watchFd(fd: number, onEvent: (status: number) => void): object;
  unwatchFd(handle: object): void;
  algBind(type: string, name: string): number;
  algSetOption(fd: number, option: number, value: Uint8Array | number): void;
  algAccept(fd: number): number;
  algSend(opFd: number, op: number, iv: Uint8Array | null, assocLen: number, inputs: readonly Uint8Array[], more: boolean): number;
  algRecv(opFd: number, outputs: readonly Uint8Array[]): number;
}

const CANDIDATES = [
  '../../native/build/Release/vcrypto_native.node', // from device-core/src/os
  '../../../../device-core/native/build/Release/vcrypto_native.node', // from dist/device-core/src/os
];

export class NativeAddonError extends Error {
  readonly code = 'VCRYPTO_ERR_OS_ADDON';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NativeAddonError';
  }
}

let cached: NativeAddon | undefined;

export function loadNativeAddon(): NativeAddon {
  if (cached !== undefined) return cached;
  const override = process.env['VCRYPTO_NATIVE_ADDON'];
  const paths = override !== undefined ? [override] : CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url)));
  const found = paths.find((p) => existsSync(p));
  if (found === undefined) {
    throw new NativeAddonError(
      `the native addon is not built (looked in ${paths.join(', ')}); run 'npm ci' or 'npm run build:native'`,
    );
  }
  try {
    cached = createRequire(import.meta.url)(found) as NativeAddon;
  } catch (e: unknown) {
    throw new NativeAddonError(`the native addon at ${found} failed to load`, { cause: e });
  }
  return cached;
}
