// SPDX-License-Identifier: Apache-2.0
/**
 * The vhost-user server socket: listens on a path (QEMU connects as the client), serves one
 * frontend at a time and accepts the next when it leaves, cleanly or killed. New connections
 * wait in the listen backlog meanwhile. The socket file gets its owner and mode before the
 * server listens, so no client connects to it with other rights. Removes its socket file when
 * closed, unless another server has replaced it since. Knows nothing of crypto; builds a fresh
 * backend state per frontend through the supplied factory.
 */
import { chmodSync, chownSync, existsSync, lstatSync, unlinkSync, type Stats } from 'node:fs';
import { closeFds, listenFd, unixAccept, unixBind, watchFd, type FdWatch } from '../os/index.js';
import { NO_TRACE, type Tracer } from '../util/trace.js';
import type { VhostUserBackend } from './backend.js';
import { Connection, type CloseReason } from './connection.js';
import { VhostUserSocketError } from './errors.js';

export interface ServerEvents {
  onListening?(path: string): void;
  onConnected?(connectionId: number): void;
  onDisconnected?(connectionId: number, reason: CloseReason): void;
}

export interface VhostUserServerOptions {
  readonly socketPath: string;
  readonly backend: VhostUserBackend;
  readonly tracer?: Tracer;
  readonly events?: ServerEvents;
  /** Microseconds a ring served on this thread watches for the next chain after a drain (Vring POLLING); default 0. */
  readonly pollUs?: number;
  /** Permission bits of the socket file (a frontend needs write permission to connect); default what the umask leaves. */
  readonly socketMode?: number;
  /** Owner of the socket file; default the process's own user and group. */
  readonly socketOwner?: { readonly uid: number; readonly gid: number };
}

export class VhostUserServer {
  private listenFd = -1;
  /** The socket file this server bound (device and inode), so close() removes only its own. */
  private bound: Pick<Stats, 'dev' | 'ino'> | undefined;
  private listenWatch: FdWatch | undefined;
  private current: Connection | undefined;
  private nextId = 1;
  private stopped = false;

  constructor(private readonly o: VhostUserServerOptions) {}

  get connected(): boolean {
    return this.current !== undefined;
  }

  /** Binds the socket. A stale socket file from a dead process is replaced; any other file is an error. */
  listen(): void {
    const path = this.o.socketPath;
    if (existsSync(path)) {
      if (!lstatSync(path).isSocket()) throw new VhostUserSocketError(`${path} exists and is not a socket`);
      unlinkSync(path);
    }
    try {
      this.listenFd = unixBind(path);
    } catch (e: unknown) {
      throw new VhostUserSocketError(`cannot listen on ${path}`, { cause: e });
    }
    try {
      this.bound = lstatSync(path);
      const { socketOwner: owner, socketMode: mode } = this.o;
      if (owner !== undefined) chownSync(path, owner.uid, owner.gid);
      if (mode !== undefined) chmodSync(path, mode);
      listenFd(this.listenFd, 8);
    } catch (e: unknown) {
      this.close();
      throw new VhostUserSocketError(`cannot give ${path} its owner and mode, or listen on it`, { cause: e });
    }
    this.watchListen();
    this.o.events?.onListening?.(path);
  }

  private watchListen(): void {
    this.listenWatch = watchFd(this.listenFd, () => this.acceptOne());
  }

  private acceptOne(): void {
    if (this.current !== undefined || this.stopped) return;
    const fd = unixAccept(this.listenFd);
    if (fd === null) return;
    // One frontend at a time: stop accepting until this one leaves.
    this.listenWatch?.stop();
    this.listenWatch = undefined;
    const id = this.nextId++;
    const conn = new Connection(fd, this.o.backend, this.o.tracer ?? NO_TRACE, (reason) => {
      this.current = undefined;
      this.o.events?.onDisconnected?.(id, reason);
      if (!this.stopped) this.watchListen();
    }, this.o.pollUs);
    this.current = conn;
    this.o.events?.onConnected?.(id);
    conn.start();
  }

  /** Stops serving: drops the frontend (wiping its state), closes and removes the socket. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.listenWatch?.stop();
    this.current?.close({ kind: 'shutdown' });
    if (this.listenFd >= 0) closeFds([this.listenFd]);
    this.listenFd = -1;
    try {
      // Another process may have replaced the socket since (a new device for the same slot).
      const now = lstatSync(this.o.socketPath, { throwIfNoEntry: false });
      if (now !== undefined && this.bound !== undefined && now.dev === this.bound.dev && now.ino === this.bound.ino) unlinkSync(this.o.socketPath);
    } catch {
      // the socket file is already gone or its folder was removed; nothing is left to clean
    }
  }
}
