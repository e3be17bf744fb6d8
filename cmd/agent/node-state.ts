// SPDX-License-Identifier: Apache-2.0
/**
 * Keeps the pool's VirtioCryptoNodeState for this node current: builds its status from the
 * agent's slots (health, allocation) and the devices' stats snapshots (which algorithms they
 * serve and through which backend and kernel driver), and hands it to pkg/nodestate's publisher
 * after every slot change (coalesced) and on a slow timer. The API server being away never stops
 * the agent: a failed write is logged once per distinct error and retried on the next change or
 * tick. Knows nothing of processes or gRPC.
 */
import type { VirtioCryptoNodeStateStatus } from '../../pkg/api/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import type { LabelledSnapshot } from '../../pkg/metrics/index.js';
import type { NodeStatePublisher } from '../../pkg/nodestate/index.js';
import { getErrorMessage } from './errors.js';
import type { SlotView } from './supervisor.js';

export interface NodeStateSource {
  slots(): readonly SlotView[];
  deviceSnapshots(): LabelledSnapshot[];
  /** Called on every slot change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** The status this node reports, from what the agent sees now. */
export function nodeStateStatus(source: NodeStateSource, backendType: string, now: Date, lastError?: string): VirtioCryptoNodeStateStatus {
  const algorithms = new Map<string, { backend: string; driver: string; hardware: boolean }>();
  for (const s of source.deviceSnapshots()) for (const a of s.snapshot.backendAlgorithms) algorithms.set(a.algorithm, a);
  const served = [...algorithms.values()];
  const backends = new Set(served.map((a) => a.backend));
  const backend = backends.size === 1 ? [...backends][0]! : backends.size > 1 ? 'auto' : backendType;
  const hardwareDriver = served.find((a) => a.hardware)?.driver;
  return {
    slots: source.slots().map((s) => ({ id: s.id, health: s.healthy ? 'Healthy' : 'Unhealthy', allocated: s.inUse })),
    capabilities: { backend, ...(hardwareDriver !== undefined ? { hardwareDriver } : {}), algorithms: [...algorithms.keys()].sort() },
    ...(lastError !== undefined ? { lastError } : {}),
    updatedAt: now.toISOString(),
  };
}

export class NodeStateReporter {
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;
  #pending: NodeJS.Immediate | undefined;
  #writing: Promise<void> = Promise.resolve();
  #lastFailure: string | undefined;
  #stopped = false;

  constructor(
    private readonly source: NodeStateSource,
    private readonly publisher: NodeStatePublisher,
    private readonly backendType: () => string,
    private readonly log: Logger,
    intervalMs: number,
  ) {
    this.#unsubscribe = source.onChange(() => this.schedule());
    this.#timer = setInterval(() => this.schedule(), intervalMs);
    this.#timer.unref();
    this.schedule();
  }

  /** Coalesces bursts of slot changes into one write. */
  schedule(): void {
    if (this.#pending !== undefined || this.#stopped) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      this.#writing = this.#writing.then(() => this.#publish());
    });
  }

  async #publish(): Promise<void> {
    try {
      const wrote = await this.publisher.publish(nodeStateStatus(this.source, this.backendType(), new Date()));
      if (this.#lastFailure !== undefined) this.log.info('Node state is written again');
      this.#lastFailure = undefined;
      if (wrote) this.log.debug('Updated the node state');
    } catch (e: unknown) {
      const msg = getErrorMessage(e);
      if (msg !== this.#lastFailure) this.log.warn('Failed to write the node state; retrying on the next change', { err: msg });
      this.#lastFailure = msg;
    }
  }

  /** Stops reporting; waits for a write in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    clearInterval(this.#timer);
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    await this.#writing;
  }
}
