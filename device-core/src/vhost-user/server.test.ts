// SPDX-License-Identifier: Apache-2.0
/**
 * The server's socket file: a listening socket at its path, replacing a stale socket and
 * refusing any other file (and a server that closes late leaves its replacement's socket
 * alone); a path of 107 bytes (the most a socket address holds) works and one
 * of 108 is refused rather than cut short; the owner and mode asked for, set before it
 * listens; removed on close. Real sockets (the native addon).
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, unixConnect } from '../os/index.js';
import type { VhostUserBackend } from './backend.js';
import { VhostUserSocketError } from './errors.js';
import { VhostUserServer, type VhostUserServerOptions } from './server.js';

const dirs: string[] = [];
const servers: VhostUserServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vcrypto-server-'));
  dirs.push(d);
  return d;
}

/** A device with one queue that serves nothing: these tests only connect and hang up. */
const IDLE_BACKEND: VhostUserBackend = {
  numQueues: 1,
  deviceFeatures: 0n,
  protocolFeatures: 0n,
  config: () => undefined,
  setFeatures: () => undefined,
  handleChain: () => 0,
  reset: () => undefined,
};

function server(socketPath: string, extra: Partial<Pick<VhostUserServerOptions, 'socketMode' | 'socketOwner'>> = {}): VhostUserServer {
  const s = new VhostUserServer({ socketPath, backend: IDLE_BACKEND, ...extra });
  servers.push(s);
  return s;
}

/** Connects and hangs up at once: the path accepted a connection. */
function accepts(path: string): boolean {
  closeFd(unixConnect(path));
  return true;
}

describe('VhostUserServer socket file', () => {
  it('is a listening socket at its path, and goes on close', () => {
    const dir = tempDir();
    const path = join(dir, 'vhost.sock');
    const s = server(path);
    s.listen();
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(readdirSync(dir)).toEqual(['vhost.sock']);
    expect(accepts(path)).toBe(true);
    s.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces a stale socket and refuses to replace any other file', () => {
    const dir = tempDir();
    const path = join(dir, 'vhost.sock');
    const first = server(path);
    first.listen();
    // A dead process leaves its socket file behind: a second server takes the path over.
    const second = server(path);
    second.listen();
    expect(accepts(path)).toBe(true);
    // The first one closing late removes only its own socket, not the one that replaced it.
    first.close();
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(accepts(path)).toBe(true);
    second.close();
    expect(readdirSync(dir)).toEqual([]);
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'data');
    expect(() => server(file).listen()).toThrow(VhostUserSocketError);
    expect(() => server(file).listen()).toThrow(/exists and is not a socket/);
    expect(readdirSync(dir).sort()).toEqual(['not-a-socket']);
  });

  it('takes a path of 107 bytes, the most a socket address holds, and refuses 108', () => {
    const dir = tempDir();
    const path = join(dir, 'x'.repeat(107 - dir.length - 1));
    expect(Buffer.byteLength(path)).toBe(107);
    const s = server(path);
    s.listen();
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(readdirSync(dir)).toHaveLength(1);
    expect(accepts(path)).toBe(true);
    // One byte more does not fit: refused, not cut short to a path nobody asked for.
    const tooLong = join(dir, 'y'.repeat(108 - dir.length - 1));
    expect(() => server(tooLong).listen()).toThrow(/cannot listen on/);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('reports a folder it cannot bind in, and leaves nothing behind', () => {
    const dir = tempDir();
    expect(() => server(join(dir, 'missing', 'vhost.sock')).listen()).toThrow(/cannot listen on .*missing\/vhost.sock/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives the socket file the mode and owner asked for', () => {
    const dir = tempDir();
    const path = join(dir, 'vhost.sock');
    const s = server(path, { socketMode: 0o640 });
    s.listen();
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(accepts(path)).toBe(true);
    s.close();
    const uid = process.getuid?.() ?? 0;
    // Only root may give a file to someone else; anyone may name themselves and a group of theirs.
    const owner = uid === 0 ? { uid: 4242, gid: 4243 } : { uid, gid: process.getgid?.() ?? 0 };
    const t = server(path, { socketOwner: owner, socketMode: 0o660 });
    t.listen();
    const st = statSync(path);
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({ ...owner, mode: 0o660 });
  });

  it('does not listen when the owner cannot be set, and leaves no socket file', () => {
    const dir = tempDir();
    const path = join(dir, 'vhost.sock');
    // node:fs refuses a uid below -1 before any system call: a failure between bind and listen.
    expect(() => server(path, { socketOwner: { uid: -2, gid: 0 } }).listen()).toThrow(/cannot give .*vhost.sock its owner and mode, or listen on it/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
