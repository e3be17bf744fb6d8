// SPDX-License-Identifier: Apache-2.0
/**
 * Fault: the frontend is SIGKILLed in the middle of traffic (a frontend child process with
 * requests in flight). The device must release every fd and guest-memory mapping of that
 * connection (/proc/<pid>/fd and /proc/<pid>/maps back to their idle counts) and serve the next
 * frontend; the time from the kill to the next frontend's known answer is printed, not asserted
 * (shared machines are noisy). The other fault, the device process killed and restarted by the
 * node agent, is test/integration/node-agent.test.ts ("killed device Unhealthy→Healthy").
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../integration/node-agent-support.js';
import { connect, DATAPATHS, datapathArgs, knownAnswer, memfdMappings, openFdCount, startDevice, until, within, type DeviceProcess } from '../hostile/support.js';

let dev: DeviceProcess;
let idleFds: number;

/** Starts a frontend child, waits until its requests complete, and returns it. */
async function frontendInTraffic() {
  const child = spawn(process.execPath, [join(ROOT, 'test/faults/traffic-frontend.mjs'), dev.socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await until('the frontend child is in traffic', () => out.includes('traffic') || child.exitCode !== null, 30_000);
  if (!out.includes('traffic')) throw new Error(`the frontend child exited: ${err}`);
  return { child, exited };
}

// On each datapath (main thread, queue workers, queue workers polling): with --datapath workers the queue worker maps the memory too, and must let go of it.
describe.each(DATAPATHS)('datapath %s', (datapath) => {
  beforeAll(async () => {
    dev = await startDevice([...datapathArgs(datapath)]);
    idleFds = openFdCount(dev.pid);
  });
  afterAll(async () => {
    await dev.stop();
  });

  describe('the frontend killed mid-traffic', () => {
    it('frees every fd and mapping of the connection and serves the next frontend, three times over', async () => {
      const times: number[] = [];
      for (let round = 0; round < 3; round++) {
        const { child, exited } = await frontendInTraffic();
        const busyFds = openFdCount(dev.pid);
        const busyMaps = memfdMappings(dev.pid);
        // The connection holds the socket, kick/call fds and the guest memory mapping.
        expect(busyFds).toBeGreaterThan(idleFds);
        expect(busyMaps).toBeGreaterThan(0);
        const killedAt = process.hrtime.bigint();
        child.kill('SIGKILL');
        await exited;
        const f = await within(connect(dev), 'next frontend set-up');
        try {
          await knownAnswer(f);
        } finally {
          f.close();
        }
        times.push(Number(process.hrtime.bigint() - killedAt) / 1e6);
        await until('the killed connection is released', () => openFdCount(dev.pid) === idleFds && memfdMappings(dev.pid) === 0, 10_000);
        expect(dev.alive()).toBe(true);
      }
      expect(dev.stderr()).not.toMatch(/"level":"error"/);
      console.log(`frontend SIGKILL → next frontend's known answer: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
    });
  });
});
