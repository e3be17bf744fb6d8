// SPDX-License-Identifier: Apache-2.0
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectedFrontends, isSameProcess, processStartTime, residentBytes } from './proc.js';

describe('proc readers on a temp /proc tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'proc-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const stat = (pid: number, comm: string, state: string, start: string): void => {
    mkdirSync(join(root, String(pid)), { recursive: true });
    const after = [state, ...Array.from({ length: 18 }, () => '0'), start, '0'];
    writeFileSync(join(root, String(pid), 'stat'), `${pid} (${comm}) ${after.join(' ')}\n`);
  };

  it('reads the start time past a command name with spaces and parentheses, and treats zombies as gone', () => {
    stat(10, 'node (x) y', 'S', '4242');
    stat(11, 'node', 'Z', '99');
    expect(processStartTime(10, root)).toBe('4242');
    expect(isSameProcess(10, '4242', root)).toBe(true);
    expect(isSameProcess(10, '1', root)).toBe(false);
    expect(processStartTime(11, root)).toBeUndefined();
    expect(processStartTime(12, root)).toBeUndefined();
  });

  it('reads VmRSS in bytes', () => {
    writeFileSync(join(root, '10', 'status'), 'Name:\tnode\nVmRSS:\t   1234 kB\n');
    expect(residentBytes(10, root)).toBe(1234 * 1024);
  });

  it('counts connected sockets bound to a path', () => {
    mkdirSync(join(root, 'net'), { recursive: true });
    writeFileSync(
      join(root, 'net', 'unix'),
      [
        'Num       RefCount Protocol Flags    Type St Inode Path',
        '0000: 00000002 00000000 00010000 0001 01 100 /s/0/vhost.sock',
        '0000: 00000003 00000000 00000000 0001 03 101 /s/0/vhost.sock',
        '0000: 00000003 00000000 00000000 0001 03 102',
        '0000: 00000003 00000000 00000000 0001 03 103 /s/1/vhost.sock',
      ].join('\n'),
    );
    expect(connectedFrontends('/s/0/vhost.sock', root)).toBe(1);
    expect(connectedFrontends('/s/2/vhost.sock', root)).toBe(0);
  });
});
