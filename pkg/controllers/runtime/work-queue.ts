// SPDX-License-Identifier: Apache-2.0
/**
 * A keyed work queue in the manner of client-go's rate-limited workqueue: a key queued many
 * times is processed once; a key is never processed by two workers at once (queued again while
 * it runs, it runs again after); failures requeue with a per-key doubling delay that resets on
 * success. Knows nothing of Kubernetes.
 */

export interface WorkQueueOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly workers?: number;
}

export type ProcessResult = 'done' | 'requeue' | { readonly requeueAfterMs: number };

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private active = 0;
  private stopped = true;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly process: (key: string) => Promise<ProcessResult>, private readonly options: WorkQueueOptions = {}) {}

  start(): void {
    this.stopped = false;
    this.pump();
  }

  /** Stops taking work; resolves when running keys finished. Queued keys are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    if (this.active > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  add(key: string): void {
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.timers.has(key)) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs));
  }

  get length(): number {
    return this.queue.length;
  }

  private backoff(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return Math.min((this.options.baseDelayMs ?? 100) * 2 ** (n - 1), this.options.maxDelayMs ?? 60_000);
  }

  private pump(): void {
    while (!this.stopped && this.active < (this.options.workers ?? 1) && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    let result: ProcessResult;
    try {
      result = await this.process(key);
    } catch {
      result = 'requeue';
    }
    this.running.delete(key);
    this.active--;
    if (!this.stopped) {
      if (result === 'done') this.failures.delete(key);
      else if (result === 'requeue') this.addAfter(key, this.backoff(key));
      else {
        this.failures.delete(key);
        this.addAfter(key, result.requeueAfterMs);
      }
      if (this.dirty.delete(key)) this.add(key);
    }
    if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.pump();
  }
}
