// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto device --queues 2 --datapath workers` as a real process: a session made on the
 * control queue (main thread) is used on both data queues (each on its own worker thread) with
 * correct answers, a destroy on the control queue is seen by both workers (INVSESS), the
 * statistics the device reports add both workers up, and the worker threads show in
 * /proc/<pid>/task. Cases that break the rings are the hostile suites, run on both datapaths.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIRTIO_CRYPTO_CIPHER as C, VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_STATUS as S } from '../../device-core/src/spec/virtio-crypto.js';
import { ctrl, data, response } from '../../device-core/src/testing/request-builder.js';
import { KAT, katCiphertext, startDevice, tempDir, until, within, type DeviceProcess } from '../hostile/support.js';
import { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import type { DeviceStatsSnapshot } from '../../pkg/metrics/index.js';

let dev: DeviceProcess;
let statsDir: string | undefined;
let statsFile: string;

beforeAll(async () => {
  statsDir = tempDir('vcrypto-queue-workers-');
  statsFile = join(statsDir, 'stats.json');
  dev = await startDevice(['--queues', '2', '--datapath', 'workers', '--stats-file', statsFile]);
});
afterAll(async () => {
  await dev?.stop();
  if (statsDir !== undefined) rmSync(statsDir, { recursive: true, force: true });
});

function threadNames(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim());
}

describe('data queues on worker threads', () => {
  it('serves a control-queue session on both data queues, sees its destroy, and counts both queues', async () => {
    // The log line may trail the socket file through the pipe.
    await until('the device logs its datapath', () => /"datapath":"2 queue worker threads"/.test(dev.stderr()), 10_000);
    const f = await within(VhostUserFrontend.connect({ socketPath: dev.socket, mode: 'device', dataQueues: 2, memoryBytes: 4 << 20, queueSize: 64 }), 'frontend set-up');
    try {
      const s = await within(f.createSession(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, KAT.key, 1)), 'session create');
      expect(s.status).toBe(S.VIRTIO_CRYPTO_OK);
      for (const queue of [0, 1, 0, 1]) {
        const r = response((await within(f.submit(queue, data.cipher(s.sessionId, true, KAT.iv, KAT.plaintext)), `encryption on queue ${queue}`)).segments);
        expect(r.status).toBe(S.VIRTIO_CRYPTO_OK);
        expect(Buffer.from(r.out).subarray(0, KAT.plaintext.length).equals(katCiphertext())).toBe(true);
      }
      expect(await within(f.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, s.sessionId), s.sessionId), 'destroy')).toBe(S.VIRTIO_CRYPTO_OK);
      for (const queue of [0, 1]) {
        const r = response((await within(f.submit(queue, data.cipher(s.sessionId, true, KAT.iv, KAT.plaintext)), `request after destroy on queue ${queue}`)).segments);
        expect(r.status).toBe(S.VIRTIO_CRYPTO_INVSESS);
      }
      // One named thread per data queue.
      expect(threadNames(dev.pid).filter((n) => n.startsWith('vcrypto-queue')).sort()).toEqual(['vcrypto-queue0', 'vcrypto-queue1']);
      let stats: DeviceStatsSnapshot | undefined;
      await until('the stats file counts all six requests', () => {
        try {
          stats = JSON.parse(readFileSync(statsFile, 'utf8')) as DeviceStatsSnapshot;
        } catch {
          return false;
        }
        return stats.requests.reduce((n, r) => n + r.requests, 0) === 6;
      }, 10_000);
      const byStatus = Object.fromEntries(stats!.requests.map((r) => [r.status, r.requests]));
      expect(byStatus).toEqual({ OK: 4, INVSESS: 2 });
      expect(stats!.requests.find((r) => r.status === 'OK')!.bytesIn).toBe(4 * KAT.plaintext.length);
      expect(stats!.latency.reduce((n, l) => n + l.count, 0)).toBe(6);
      // Data queues 0 and 1 from their workers, the control queue (2) from the main thread.
      expect(Object.keys(stats!.queueDepth).sort()).toEqual(['0', '1', '2']);
      // Sessions are the main thread's: counted once, not once per worker.
      expect(stats!.sessionEvents).toEqual({ created: 1, destroyed: 1, failed: 0 });
    } finally {
      f.close();
    }
    expect(dev.alive()).toBe(true);
    expect(dev.stderr()).not.toMatch(/"level":"error"/);
  });
});
