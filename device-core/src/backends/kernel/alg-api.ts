// SPDX-License-Identifier: Apache-2.0
/**
 * The AF_ALG calls the kernel backend makes, as one interface so tests can hand it a fake (this
 * host's kernel has no AF_ALG). The real implementation is os/'s typed wrappers over the addon.
 * Errors thrown by it carry the errno name in `code` (e.g. "EAFNOSUPPORT", "EBADMSG").
 * Knows nothing of algorithms or virtio.
 */
import * as os from '../../os/index.js';

export interface AlgApi {
  /** A transform socket bound to a kernel algorithm or driver name. */
  bind(type: string, name: string): number;
  setKey(tfmFd: number, key: Uint8Array): void;
  setAuthSize(tfmFd: number, tagLen: number): void;
  /** An operation socket of a (keyed) transform socket. */
  accept(tfmFd: number): number;
  send(opFd: number, op: number, iv: Uint8Array | null, assocLen: number, inputs: readonly Uint8Array[], more: boolean): number;
  recv(opFd: number, outputs: readonly Uint8Array[]): number;
  close(fd: number): void;
}

export const ALG_OP_ENCRYPT = os.ALG_OP_ENCRYPT;
export const ALG_OP_DECRYPT = os.ALG_OP_DECRYPT;
export const ALG_OP_NONE = os.ALG_OP_NONE;

export const nativeAlgApi: AlgApi = {
  bind: os.algBind,
  setKey: os.algSetKey,
  setAuthSize: os.algSetAuthSize,
  accept: os.algAccept,
  send: os.algSend,
  recv: os.algRecv,
  close: os.closeFd,
};

/** The errno name an AF_ALG call failed with, if it says. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}
