// SPDX-License-Identifier: Apache-2.0
/**
 * The addon's AF_ALG send/receive calls gather and scatter through iovecs. This host has no
 * AF_ALG, so they run over a unix stream pair, which carries the same sendmsg/readv: inputs
 * gathered in order, outputs filled in order across buffer boundaries. With op ALG_OP_NONE no
 * SOL_ALG control message is sent (a unix socket would ignore one anyway). The accepted end is
 * non-blocking, so a read asking for more than was sent fails (EAGAIN) instead of hanging.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALG_OP_NONE, algRecv, algSend, closeFd, unixAccept, unixConnect, unixListen } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'vcrypto-iovec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pair(name: string): { a: number; b: number; close(): void } {
  const path = join(dir, name);
  const l = unixListen(path);
  const a = unixConnect(path);
  const b = unixAccept(l);
  if (b === null) throw new Error('no pending connection');
  closeFd(l);
  return { a, b, close: () => [a, b].forEach(closeFd) };
}

describe('algSend/algRecv iovecs', () => {
  it('gathers the inputs in order and scatters the bytes across outputs in order', () => {
    const p = pair('s1');
    expect(algSend(p.a, ALG_OP_NONE, null, 0, [Buffer.from('abc'), new Uint8Array(0), Buffer.from('defgh')], false)).toBe(8);
    const x = new Uint8Array(2);
    const y = new Uint8Array(6);
    expect(algRecv(p.b, [x, y])).toBe(8);
    expect(Buffer.from(x).toString()).toBe('ab');
    expect(Buffer.from(y).toString()).toBe('cdefgh');
    p.close();
  });

  it('refuses more than eight buffers and non-byte arguments with a TypeError', () => {
    const p = pair('s2');
    const nine = Array.from({ length: 9 }, () => new Uint8Array(1));
    expect(() => algSend(p.a, ALG_OP_NONE, null, 0, nine, false)).toThrow(TypeError);
    expect(() => algRecv(p.b, nine)).toThrow(TypeError);
    expect(() => algSend(p.a, ALG_OP_NONE, null, 0, ['x' as unknown as Uint8Array], false)).toThrow(TypeError);
    p.close();
  });

  it('reports a short read as an error rather than a short count when the peer sent less', () => {
    const p = pair('s3');
    algSend(p.a, ALG_OP_NONE, null, 0, [Buffer.from('xyz')], false);
    const out = new Uint8Array(8);
    expect(() => algRecv(p.b, [out])).toThrow(/read\(AF_ALG\)/);
    expect(Buffer.from(out.subarray(0, 3)).toString()).toBe('xyz');
    p.close();
  });
});
