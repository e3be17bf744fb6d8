// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto bench` stops at the first request that fails, with the reason and exit status 1, and
 * stops its device: when the device answers with an error status (a device whose largest request
 * is smaller than the bench's), and when the device goes away mid-row (killed). No JSON is
 * written for a run that failed. The device runs from a small wrapper of this CLI passed as
 * --device-cli. Needs `npm run build` first, as the other process-level tests do.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, CLI, requireBuild, until } from '../integration/node-agent-support.js';

describe('vcrypto bench after a failed request', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-bench-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A --device-cli: this CLI with `deviceArgs` added, writing the device's pid to `pidFile` first.
   * On SIGUSR2 it crashes with an uncaught exception, as a device with a bug would.
   */
  function deviceCli(name: string, deviceArgs: string[] = []): { cli: string; pidFile: string } {
    const cli = join(dir, `${name}.mjs`);
    const pidFile = join(dir, `${name}.pid`);
    writeFileSync(cli, [
      `(await import('node:fs')).writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));`,
      `process.on('SIGUSR2', () => setImmediate(() => { throw new Error('simulated device crash'); }));`,
      `process.argv.push(...${JSON.stringify(deviceArgs)});`,
      `await import(${JSON.stringify(pathToFileURL(CLI).href)});`,
    ].join('\n'));
    return { cli, pidFile };
  }

  it('stops at the first error status, names it, and writes no JSON', () => {
    requireBuild();
    // The device's config max_size below the bench's 8 KiB requests: each completes with ERR.
    const { cli, pidFile } = deviceCli('small-requests', ['--max-request-size', '4096']);
    const output = join(dir, 'status.json');
    const r = spawnSync(
      process.execPath,
      [CLI, 'bench', '--quick', '--modes', 'device', '--algorithms', 'aes-128-cbc-enc', '--sizes', '8K', '--depths', '1,32', '--device-cli', cli, '--output', output],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('vcrypto bench: device aes-128-cbc-enc 8192 B warm-up: a request on data queue 0 completed with status ERR (1)');
    // Nothing after the failing request ran: no row, no RSS requests, no output.
    expect(r.stderr).not.toContain('depth 32');
    expect(r.stderr).not.toContain('more requests before reading');
    expect(existsSync(output)).toBe(false);
    expect(alive(Number(readFileSync(pidFile, 'utf8'))), 'the device was stopped').toBe(false);
  }, 60_000);

  /** A bench with one long depth-1 row, resolved once that row is being measured. */
  async function benchInLongRow(name: string): Promise<{ devicePid: number; stderr: () => string; exited: Promise<number | null>; output: string; kill: () => void }> {
    const { cli, pidFile } = deviceCli(name);
    const output = join(dir, `${name}.json`);
    const bench = spawn(
      process.execPath,
      [CLI, 'bench', '--quick', '--modes', 'device', '--algorithms', 'sha256', '--sizes', '64', '--depths', '1', '--duration', '20000', '--device-cli', cli, '--output', output],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    bench.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    await until('the row starts', () => stderr.includes('bench: device sha256 64 B depth 1 queues 1'), 30_000);
    return { devicePid: Number(readFileSync(pidFile, 'utf8')), stderr: () => stderr, exited, output, kill: () => bench.kill('SIGKILL') };
  }

  it('stops when the device goes away mid-row, without waiting for the stall watchdog', async () => {
    requireBuild();
    const b = await benchInLongRow('killed');
    try {
      process.kill(b.devicePid, 'SIGKILL');
      expect(await b.exited, b.stderr()).toBe(1);
      expect(b.stderr()).toContain('vcrypto bench: device sha256 64 B depth 1 queues 1: the device closed the connection');
      expect(b.stderr()).not.toContain('returned no request');
      expect(existsSync(b.output)).toBe(false);
    } finally {
      b.kill();
    }
  }, 60_000);

  it('says what a device that crashed mid-row wrote before it went', async () => {
    requireBuild();
    const b = await benchInLongRow('crashed');
    try {
      process.kill(b.devicePid, 'SIGUSR2');
      expect(await b.exited, b.stderr()).toBe(1);
      expect(b.stderr()).toMatch(/the device closed the connection \(\d+ request\(s\) in flight\); the device: exit status \d+; its last output:\n[\s\S]*simulated device crash/);
    } finally {
      b.kill();
    }
  }, 60_000);
});
