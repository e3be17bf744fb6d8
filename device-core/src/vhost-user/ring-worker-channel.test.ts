// SPDX-License-Identifier: Apache-2.0
/**
 * The ring-worker channel's two ends in one thread: what pull() applies, in order, and that its
 * count of posted requests stays right whichever way a request is taken (pull() or the port's
 * message event), so pull() can skip the port when nothing waits and still never miss a request.
 */
import { describe, expect, it } from 'vitest';
import { CallerEnd, WorkerEnd, type RingRequest } from './ring-worker-channel.js';

function ends(): { caller: CallerEnd; seen: unknown[]; worker: WorkerEnd; close(): void } {
  const caller = new CallerEnd();
  const seen: unknown[] = [];
  const worker = new WorkerEnd(caller.forWorker, (r: RingRequest) => (r.op === 'device' ? seen.push(r.body) : undefined));
  return {
    caller,
    seen,
    worker,
    close: () => {
      caller.close();
      for (const p of [caller.forWorker.requests, caller.forWorker.replies, caller.forWorker.events]) p.close();
    },
  };
}

describe('ring worker channel', () => {
  it('pull() applies every posted request at once, in order, and each once', () => {
    const e = ends();
    try {
      e.caller.post({ op: 'device', body: 'a' });
      e.caller.post({ op: 'device', body: 'b' });
      e.worker.pull();
      expect(e.seen).toEqual(['a', 'b']);
      e.worker.pull();
      expect(e.seen).toEqual(['a', 'b']);
      e.caller.post({ op: 'device', body: 'c' });
      e.worker.pull();
      expect(e.seen).toEqual(['a', 'b', 'c']);
    } finally {
      e.close();
    }
  });

  it('keeps its count when the event loop delivers a request first, so the next one is still pulled', async () => {
    const e = ends();
    try {
      e.caller.post({ op: 'device', body: 'by event' });
      await new Promise((r) => setTimeout(r, 20));
      expect(e.seen).toEqual(['by event']);
      e.worker.pull();
      expect(e.seen).toEqual(['by event']);
      e.caller.post({ op: 'device', body: 'by pull' });
      e.worker.pull();
      expect(e.seen).toEqual(['by event', 'by pull']);
    } finally {
      e.close();
    }
  });
});
