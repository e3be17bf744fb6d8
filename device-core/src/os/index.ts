// SPDX-License-Identifier: Apache-2.0
/**
 * Typed operating-system calls for device-core: memfd, mmap, eventfd, unix sockets with fd
 * passing, fd readiness on Node's event loop, and AF_ALG. The only importer of the native addon
 * (through native.ts). Knows nothing of vhost-user, virtqueues or crypto.
 */
import { loadNativeAddon } from './native.js';

export { NativeAddonError } from './native.js';

/** A MAP_SHARED mapping of an fd. ALIASING: `bytes` is valid until unmap(); after it, length 0. */
export interface Mapping {
  readonly bytes: Uint8Array;
  readonly lengthBytes: number;
  unmap(): void;
}

export function memfdCreate(name: string, sizeBytes: number): number {
  return loadNativeAddon().memfdCreate(name, sizeBytes);
}

export function mapFd(fd: number, offsetBytes: number, lengthBytes: number): Mapping {
  const addon = loadNativeAddon();
  const { buffer, token } = addon.mmap(fd, offsetBytes, lengthBytes);
  let mapped = true;
  return {
    bytes: new Uint8Array(buffer),
    lengthBytes,
    unmap() {
      if (!mapped) return;
      mapped = false;
      addon.munmap(buffer, token);
    },
  };
}

export function eventfdCreate(initial = 0): number {
  return loadNativeAddon().eventfdCreate(initial);
}

export function eventfdWrite(fd: number, value = 1): void {
  loadNativeAddon().eventfdWrite(fd, value);
}

/** Returns the counter and resets it; 0 when nothing is pending. */
export function eventfdRead(fd: number): number {
  return loadNativeAddon().eventfdRead(fd);
}

export function closeFd(fd: number): void {
  loadNativeAddon().close(fd);
}

/** Closes every fd, ignoring errors of fds already gone. */
export function closeFds(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeFd(fd);
    } catch {
      // the fd was already closed by its owner; closing is best effort by design
    }
  }
}

/** A unix stream socket bound to path and not yet listening: connections are refused until listenFd(). */
export function unixBind(path: string): number {
  return loadNativeAddon().unixBind(path);
}

export function listenFd(fd: number, backlog = 4): void {
  loadNativeAddon().listenFd(fd, backlog);
}

/** Binds and listens in one step; the fd is closed when listen fails. */
export function unixListen(path: string, backlog = 4): number {
  const fd = unixBind(path);
  try {
    listenFd(fd, backlog);
  } catch (e: unknown) {
    closeFds([fd]);
    throw e;
  }
  return fd;
}

/** A non-blocking connection fd, or null when no connection is pending. */
export function unixAccept(listenFd: number): number | null {
  const fd = loadNativeAddon().unixAccept(listenFd);
  return fd < 0 ? null : fd;
}

export function unixConnect(path: string): number {
  return loadNativeAddon().unixConnect(path);
}

/** Sends bytes with fds attached (SCM_RIGHTS). Returns bytes sent, or null when it would block. */
export function sendMessage(fd: number, bytes: Uint8Array, fds: readonly number[] = []): number | null {
  const n = loadNativeAddon().sendMsg(fd, bytes, fds);
  return n < 0 ? null : n;
}

export interface Received {
  /** 0 means the peer closed the connection. */
  readonly bytes: number;
  readonly fds: number[];
  /** Fds beyond maxFds that were closed on arrival (a protocol error for the caller). */
  readonly droppedFds: number;
}

/** Receives into `into`; null when nothing is ready. */
export function receiveMessage(fd: number, into: Uint8Array, maxFds: number): Received | null {
  const r = loadNativeAddon().recvMsg(fd, into, maxFds);
  return r === null ? null : { bytes: r.bytes, fds: r.fds, droppedFds: r.truncatedFds };
}

export interface FdWatch {
  stop(): void;
}

/** Calls onReadable (on Node's event loop) whenever fd is readable or hung up. */
export function watchFd(fd: number, onReadable: () => void): FdWatch {
  const addon = loadNativeAddon();
  const handle = addon.watchFd(fd, () => onReadable());
  let active = true;
  return {
    stop() {
      if (!active) return;
      active = false;
      addon.unwatchFd(handle);
    },
  };
}

/** AF_ALG calls for the kernel backend. */
export const ALG_SET_KEY = 1;
export const ALG_SET_AEAD_AUTHSIZE = 5;
export const ALG_OP_DECRYPT = 0;
export const ALG_OP_ENCRYPT = 1;
export const ALG_OP_NONE = -1;

export function algBind(type: string, name: string): number {
  return loadNativeAddon().algBind(type, name);
}

export function algSetKey(fd: number, key: Uint8Array): void {
  loadNativeAddon().algSetOption(fd, ALG_SET_KEY, key);
}

export function algSetAuthSize(fd: number, tagLen: number): void {
  loadNativeAddon().algSetOption(fd, ALG_SET_AEAD_AUTHSIZE, tagLen);
}

export function algAccept(fd: number): number {
  return loadNativeAddon().algAccept(fd);
}

/**
 * One sendmsg on an AF_ALG operation socket: op (ALG_OP_NONE for hashes and for the later
 * parts of a MSG_MORE sequence), IV and AEAD assoclen as control messages, the inputs gathered
 * by the kernel (at most 8 buffers). NATIVE: the inputs are only read during the call.
 */
export function algSend(
  opFd: number,
  op: number,
  iv: Uint8Array | null,
  assocLen: number,
  inputs: readonly Uint8Array[],
  more: boolean,
): number {
  return loadNativeAddon().algSend(opFd, op, iv, assocLen, inputs, more);
}

/**
 * Reads the operation's result scattered into outputs until they are full. NATIVE: the kernel
 * writes straight into these buffers during the call; ask for exactly the bytes the operation
 * produces (more blocks forever on skcipher and aead sockets).
 */
export function algRecv(opFd: number, outputs: readonly Uint8Array[]): number {
  return loadNativeAddon().algRecv(opFd, outputs);
}

/** The number of open fds of this process (for leak checks). */
export { countOpenFds, countMappings } from './proc.js';
