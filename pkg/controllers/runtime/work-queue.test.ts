// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { WorkQueue, type ProcessResult } from './work-queue.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await tick();
  expect(check()).toBe(true);
}

describe('WorkQueue', () => {
  it('processes a key added many times once, and again when added while running', async () => {
    const seen: string[] = [];
    let release: (() => void) | undefined;
    const q = new WorkQueue(async (key) => {
      seen.push(key);
      if (key === 'a' && seen.length === 1) await new Promise<void>((r) => (release = r));
      return 'done';
    });
    q.add('a');
    q.add('a');
    q.start();
    await until(() => release !== undefined);
    q.add('a');
    q.add('a');
    release?.();
    await until(() => seen.length === 2);
    await tick();
    expect(seen).toEqual(['a', 'a']);
    await q.stop();
  });

  it('requeues a failing key with backoff until it succeeds, and never runs one key twice at once', async () => {
    let calls = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const q = new WorkQueue(async (): Promise<ProcessResult> => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await tick();
      concurrent--;
      calls++;
      if (calls === 1) throw new Error('boom');
      return calls < 3 ? 'requeue' : 'done';
    }, { baseDelayMs: 1, workers: 4 });
    q.start();
    q.add('k');
    await until(() => calls === 3);
    expect(maxConcurrent).toBe(1);
    await q.stop();
  });
});
