// SPDX-License-Identifier: Apache-2.0
/**
 * A real `vcrypto device` process driven over its unix socket by the project's own vhost-user
 * frontend: every known-answer case in device mode with each descriptor layout (direct and
 * indirect) and on a second data queue, cryptodev mode with each QEMU session layout, a second
 * frontend served after the first leaves, and a clean SIGTERM. The hostile cases live in
 * test/hostile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCases, buildStatelessCases, cryptodevGuestConfig, frontendTransport, runCases, STATELESS_FEATURES } from '../../device-core/src/selftest/index.js';
import { VhostUserFrontend, type FrontendOptions } from '../../device-core/src/testing/frontend.js';
import { ctrl, data, LAYOUTS, response, revision1, stateless } from '../../device-core/src/testing/request-builder.js';
import type { SessionLayout } from '../../device-core/src/testing/cryptodev-session.js';
import { CLI, requireBuild, until } from './node-agent-support.js';

describe('vcrypto device over its socket, driven by the project frontend', () => {
  let dir: string;
  let socket: string;
  let device: ChildProcess;
  let stderr = '';

  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'vcrypto-devfe-'));
    socket = join(dir, 'vhost.sock');
    device = spawn(process.execPath, [CLI, 'device', '--socket', socket, '--queues', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    device.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // The file appears at bind(), a moment before listen(); the device logs once it listens.
    await until('the device listens', () => existsSync(socket) && stderr.includes('Listening for a vhost-user frontend'), 15_000);
  });

  afterAll(() => {
    if (device.exitCode === null) device.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const withFrontend = async <T>(o: Omit<FrontendOptions, 'socketPath'>, fn: (f: VhostUserFrontend) => Promise<T>): Promise<T> => {
    const f = await VhostUserFrontend.connect({ socketPath: socket, ...o });
    try {
      return await fn(f);
    } finally {
      f.close();
    }
  };

  for (const layout of LAYOUTS) {
    for (const indirect of [false, true]) {
      it(`device mode, ${layout}${indirect ? ', indirect' : ''}: every known answer matches`, async () => {
        await withFrontend({ mode: 'device', dataQueues: 2 }, async (f) => {
          const results: string[] = [];
          const r = await runCases(buildCases(frontendTransport(f, { layout, indirect }), f.config!), (c) => {
            if (!c.ok) results.push(`${c.name}: ${c.detail}`);
          });
          expect(results).toEqual([]);
          // Every service: cipher, chaining, hash, mac, aead and akcipher cases.
          expect(r.passed).toBeGreaterThanOrEqual(40);
        });
      });
    }
  }

  it('device mode: the second data queue serves the same answers', async () => {
    await withFrontend({ mode: 'device', dataQueues: 2 }, async (f) => {
      const r = await runCases(buildCases(frontendTransport(f, { queue: 1 }), f.config!), () => undefined);
      expect(r.failed).toBe(0);
      expect(r.passed).toBeGreaterThanOrEqual(40);
    });
  });

  for (const sessionLayout of ['qemu-2.12-7.0', 'qemu-7.1-8.0', 'qemu-8.1'] as SessionLayout[]) {
    it(`cryptodev mode, QEMU session layout ${sessionLayout}: the symmetric and RSA cases match`, async () => {
      await withFrontend({ mode: 'cryptodev', sessionLayout }, async (f) => {
        expect(f.config).toBeUndefined();
        const failures: string[] = [];
        const r = await runCases(buildCases(frontendTransport(f, { layout: 'in-place' }), cryptodevGuestConfig(), { symmetricOnly: true }), (c) => {
          if (!c.ok) failures.push(`${c.name}: ${c.detail}`);
        });
        expect(failures).toEqual([]);
        expect(r.passed).toBeGreaterThanOrEqual(10);
      });
    });
  }

  it('device mode with REVISION_1 and every stateless bit acked over SET_FEATURES: stateless and unpadded session requests', async () => {
    await withFrontend({ mode: 'device', dataQueues: 2, ackDeviceFeatures: 0x3fn }, async (f) => {
      // SHA-256("abc"), FIPS 180-2 appendix B.1.
      const abc = Buffer.from('abc');
      const digest = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
      const s = await f.submit(0, stateless.hash(4, abc, 32), { indirect: true });
      expect([response(s.segments).status, Buffer.from(response(s.segments).out).toString('hex')]).toEqual([0, digest]);
      const session = await f.createSession(revision1.ctrl(ctrl.hashSession(4, 32)));
      expect(session.status).toBe(0);
      const r = await f.submit(0, revision1.data(data.hash(session.sessionId, abc, 32)));
      expect([response(r.segments).status, Buffer.from(response(r.segments).out).toString('hex')]).toEqual([0, digest]);
    });
  });

  it('closes every session it opens: all cases pass twice on one connection to a device allowing 2 sessions', async () => {
    const small = join(dir, 'small.sock');
    const d = spawn(process.execPath, [CLI, 'device', '--socket', small, '--max-sessions', '2'], { stdio: 'ignore' });
    try {
      await until('the small device listens', () => existsSync(small), 15_000);
      const f = await VhostUserFrontend.connect({ socketPath: small, mode: 'device' });
      try {
        for (let round = 0; round < 2; round++) {
          const failures: string[] = [];
          const r = await runCases(buildCases(frontendTransport(f, {}), f.config!), (c) => {
            if (!c.ok) failures.push(`${c.name}: ${c.detail}`);
          });
          expect(failures).toEqual([]);
          expect(r.passed).toBeGreaterThanOrEqual(40);
        }
      } finally {
        f.close();
      }
    } finally {
      d.kill('SIGKILL');
    }
  });

  it('device mode, stateless: every known answer as a stateless request, in every layout, direct and indirect', async () => {
    await withFrontend({ mode: 'device', dataQueues: 2, ackDeviceFeatures: STATELESS_FEATURES }, async (f) => {
      for (const layout of LAYOUTS) {
        for (const indirect of [false, true]) {
          const failures: string[] = [];
          const r = await runCases(buildStatelessCases(frontendTransport(f, { layout, indirect }), f.config!), (c) => {
            if (!c.ok) failures.push(`${layout}${indirect ? ' indirect' : ''}: ${c.name}: ${c.detail}`);
          });
          expect(failures).toEqual([]);
          expect(r.passed).toBeGreaterThanOrEqual(40);
        }
      }
    });
  });

  it('logs each frontend that connects and leaves, and is still serving', async () => {
    const count = (msg: string): number => stderr.split('\n').filter((l) => l.includes(`"${msg}"`)).length;
    expect(count('Frontend connected')).toBe(2 * LAYOUTS.length + 1 + 3 + 1 + 1);
    // The last frontend's leave is logged when the device reads its hang-up.
    await until('every frontend logged as left', () => count('Frontend left; sessions and keys wiped') === 2 * LAYOUTS.length + 1 + 3 + 1 + 1);
    expect(device.exitCode).toBeNull();
  });

  it('stops on SIGTERM with exit status 0 and removes its socket', async () => {
    const exited = new Promise<number | null>((resolve) => device.once('exit', (code) => resolve(code)));
    device.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});
