// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeFd,
  countMappings,
  countOpenFds,
  eventfdCreate,
  eventfdRead,
  eventfdWrite,
  mapFd,
  memfdCreate,
  receiveMessage,
  sendMessage,
  unixAccept,
  unixConnect,
  unixListen,
  watchFd,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'vcrypto-os-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('os', () => {
  it('maps one memfd twice and sees writes through both mappings', () => {
    const fd = memfdCreate('t', 8192);
    const a = mapFd(fd, 0, 8192);
    const b = mapFd(fd, 4096, 4096);
    a.bytes[4096] = 0xab;
    expect(b.bytes[0]).toBe(0xab);
    a.unmap();
    b.unmap();
    expect(a.bytes.length).toBe(0);
    closeFd(fd);
  });

  it('leaves no mapping or fd behind after unmap and close', () => {
    const fds = countOpenFds();
    const maps = countMappings();
    for (let i = 0; i < 20; i++) {
      const fd = memfdCreate('leak', 4096);
      const m = mapFd(fd, 0, 4096);
      m.unmap();
      m.unmap();
      closeFd(fd);
    }
    expect(countOpenFds()).toBe(fds);
    expect(countMappings()).toBeLessThanOrEqual(maps);
  });

  it('counts eventfd writes and reads 0 when nothing is pending', () => {
    const fd = eventfdCreate();
    expect(eventfdRead(fd)).toBe(0);
    eventfdWrite(fd, 1);
    eventfdWrite(fd, 2);
    expect(eventfdRead(fd)).toBe(3);
    closeFd(fd);
  });

  it('passes fds over a unix socket and wakes a watcher on Node’s event loop', async () => {
    const path = join(dir, 's.sock');
    const lfd = unixListen(path, 1);
    const cfd = unixConnect(path);
    let sfd: number | null = null;
    for (let i = 0; i < 100 && sfd === null; i++) sfd = unixAccept(lfd);
    expect(sfd).not.toBeNull();
    const server = sfd!;
    const efd = eventfdCreate();
    const got = new Promise<{ bytes: number; text: string; fds: number[] }>((resolve) => {
      const buf = new Uint8Array(64);
      const w = watchFd(server, () => {
        const r = receiveMessage(server, buf, 8);
        if (r === null) return;
        w.stop();
        resolve({ bytes: r.bytes, text: Buffer.from(buf.subarray(0, r.bytes)).toString(), fds: r.fds });
      });
    });
    expect(sendMessage(cfd, Buffer.from('hello'), [efd])).toBe(5);
    const r = await got;
    expect(r.text).toBe('hello');
    expect(r.fds).toHaveLength(1);
    eventfdWrite(r.fds[0]!, 7);
    expect(eventfdRead(efd)).toBe(7);
    for (const fd of [...r.fds, efd, cfd, server, lfd]) closeFd(fd);
  });

  it('reports a closed peer as zero bytes', () => {
    const path = join(dir, 'c.sock');
    const lfd = unixListen(path, 1);
    const cfd = unixConnect(path);
    const sfd = unixAccept(lfd)!;
    closeFd(cfd);
    const r = receiveMessage(sfd, new Uint8Array(16), 4);
    expect(r?.bytes).toBe(0);
    closeFd(sfd);
    closeFd(lfd);
  });
});
