// SPDX-License-Identifier: Apache-2.0
/**
 * The ring worker pool's life cycle with real worker threads: it waits for its workers to
 * answer, reports a worker that cannot load as an error instead of replacing it in a loop, and
 * replaces a worker that dies later after a pause, telling the connection. The workers are small
 * scripts over the compiled RingHost (dist/, as the device runs it).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RingWorkerError } from './ring-worker-channel.js';
import { RingWorkerPool } from './ring-worker-pool.js';

const HOST = fileURLToPath(new URL('../../../dist/device-core/src/vhost-user/ring-worker-host.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vcrypto-ring-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, text: string): URL {
  const p = join(dir, name);
  writeFileSync(p, text);
  return pathToFileURL(p);
}

/** A worker whose device answers 'who' with its thread id and exits on 'die'. */
const DYING = `
import { threadId, workerData } from 'node:worker_threads';
import { RingHost } from ${JSON.stringify(pathToFileURL(HOST).href)};
new RingHost({
  ports: workerData.ports,
  backend: { handleChain: () => 0 },
  onDeviceRequest: (body) => {
    if (body === 'die') process.exit(7);
    return threadId;
  },
});
`;

const until = async (what: string, ok: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('RingWorkerPool', () => {
  it('rejects ready() when a worker cannot load, and replaces none', async () => {
    const exits: { worker: number; respawnInMs: number }[] = [];
    const pool = new RingWorkerPool({
      script: script('broken.mjs', "throw new Error('cannot load');\n"),
      deviceData: () => ({}),
      workers: 2,
      workerOfRing: () => undefined,
      onWorkerExit: (worker, _e, respawnInMs) => exits.push({ worker, respawnInMs }),
    });
    await expect(pool.ready()).rejects.toThrow(RingWorkerError);
    await until('both workers reported', () => exits.length === 2);
    // Neither is replaced: a worker that never loaded would only fail again.
    await new Promise((r) => setTimeout(r, 300));
    expect(exits.sort((a, b) => a.worker - b.worker)).toEqual([
      { worker: 0, respawnInMs: -1 },
      { worker: 1, respawnInMs: -1 },
    ]);
    await pool.close();
  });

  it('replaces a worker that dies after start, after a pause, and drops the connection it served', async () => {
    if (!existsSync(HOST)) throw new Error(`${HOST} is missing: run 'npm run build' first`);
    const exits: { worker: number; respawnInMs: number }[] = [];
    const broken: string[] = [];
    const pool = new RingWorkerPool({
      script: script('dying.mjs', DYING),
      deviceData: () => ({}),
      workers: 2,
      threadName: (i) => `test-ring-${i}`,
      workerOfRing: (i) => (i < 2 ? i : undefined),
      onWorkerExit: (worker, _e, respawnInMs) => exits.push({ worker, respawnInMs }),
    });
    try {
      await pool.ready();
      pool.onRingBroken((_index, message) => broken.push(message));
      const before = pool.ask('who') as number[];
      expect(before).toHaveLength(2);
      expect(before.every((b) => typeof b === 'number')).toBe(true);
      pool.broadcast((w) => ({ body: w === 1 ? 'die' : 'live' }));
      await until('worker 1 exits', () => exits.length === 1);
      expect(exits[0]).toEqual({ worker: 1, respawnInMs: 100 });
      await until('the connection is told', () => broken.length === 1);
      expect(broken[0]).toMatch(/ring worker 1 exited \(code 7\)/);
      // Until the replacement runs, worker 1 has nothing to say; worker 0 still answers.
      await until('the replacement answers', () => pool.ask('who')[1] !== undefined);
      const after = pool.ask('who') as number[];
      expect(after[0]).toBe(before[0]);
      expect(after[1]).not.toBe(before[1]);
    } finally {
      await pool.close();
    }
  });
});
