// SPDX-License-Identifier: Apache-2.0
/**
 * The node agent of one pool, assembled: the supervisor (device processes), the slot scanner
 * (virtio-crypto view of the slots) and pkg/deviceplugin's manager (one kubelet plugin for the
 * pool's resource). Exposes readiness (registered and at least one healthy slot) and the
 * AgentStats and per-slot device snapshots that pkg/metrics reads. Built by main.ts and by the integration tests; knows
 * nothing of flags, HTTP or exit codes.
 */
import { DevicePluginServer, Manager, type PluginServer } from '../../pkg/deviceplugin/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import { readDeviceStatsFile, type AgentStats, type LabelledSnapshot } from '../../pkg/metrics/index.js';
import type { PoolConfig, SocketOwner } from './pool-config.js';
import { SlotScanner } from './scanner.js';
import { Supervisor, type SlotView, type SupervisorOptions } from './supervisor.js';

export interface AgentOptions {
  readonly config: PoolConfig;
  readonly nodeName: string;
  readonly stateDir: string;
  readonly devicePluginDir: string;
  readonly socketOwner: SocketOwner;
  readonly deviceCommand: readonly string[];
  readonly log: Logger;
  /** Supervisor tunables (backoff, timeouts); tests shorten them. */
  readonly supervisor?: Partial<Omit<SupervisorOptions, 'stateDir' | 'deviceCommand' | 'socketOwner' | 'log'>>;
  readonly pluginWatchIntervalMs?: number;
  readonly registerRetryMs?: number;
}

export class Agent {
  readonly supervisor: Supervisor;
  readonly scanner: SlotScanner;
  readonly #o: AgentOptions;
  readonly #manager: Manager;
  readonly #abort = new AbortController();
  #config: PoolConfig;
  #running: Promise<void> | undefined;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#config = options.config;
    const log = options.log;
    this.supervisor = new Supervisor({
      ...options.supervisor,
      stateDir: options.stateDir,
      deviceCommand: options.deviceCommand,
      socketOwner: options.socketOwner,
      log,
    });
    this.scanner = new SlotScanner(this.supervisor, () => this.#config.resourceName);
    this.#manager = new Manager({
      scanner: this.scanner,
      log,
      serverFactory: (resourceName): PluginServer =>
        new DevicePluginServer({
          resourceName,
          pluginDir: options.devicePluginDir,
          log,
          handlers: { allocator: this.scanner, preferred: this.scanner },
          ...(options.pluginWatchIntervalMs !== undefined ? { watchIntervalMs: options.pluginWatchIntervalMs } : {}),
          ...(options.registerRetryMs !== undefined ? { registerRetryMs: options.registerRetryMs } : {}),
        }),
    });
  }

  get config(): PoolConfig {
    return this.#config;
  }

  /** Adopts or cleans, starts the slots, then serves the plugin and registers. */
  async start(): Promise<void> {
    await this.supervisor.start(this.#config);
    this.#running = this.#manager.run(this.#abort.signal);
  }

  /** A changed pool: slots follow (in-use ones later); a new resource name gets a new plugin. */
  applyConfig(config: PoolConfig): void {
    this.#config = config;
    this.supervisor.apply(config);
  }

  ready(): boolean {
    return this.#manager.servers().some((s) => s.state === 'registered') && this.supervisor.slots().some((s) => s.healthy);
  }

  stats(): AgentStats {
    return {
      pool: this.#config.pool,
      node: this.#o.nodeName,
      backend: this.#config.backendType,
      slotsByState: () => this.supervisor.stats().slotsByState,
      deviceRestarts: () => this.supervisor.stats().restarts,
      kubeletRegistrations: () => this.#manager.stats().registrations,
      allocateCalls: () => {
        const s = this.#manager.stats();
        return { ok: s.allocateOk, failed: s.allocateFailed };
      },
    };
  }

  /**
   * Each slot's device statistics, read from the file its device process writes every second:
   * one scrape of the agent covers every slot of the node. A slot whose device has not written
   * yet (starting, or killed before its first write) is left out until it has.
   */
  deviceSnapshots(): LabelledSnapshot[] {
    const out: LabelledSnapshot[] = [];
    for (const slot of this.supervisor.slots()) {
      const read = readDeviceStatsFile(slot.statsPath);
      if (read.ok) out.push({ labels: { pool: this.#config.pool, node: this.#o.nodeName, slot: String(slot.index) }, snapshot: read.snapshot });
      else if (read.reason === 'invalid') this.#o.log.warn('Skipped an unreadable device stats file', { slot: slot.index, err: read.message });
    }
    return out;
  }

  /** Slot views (for the node state). */
  slots(): readonly SlotView[] {
    return this.supervisor.slots();
  }

  onChange(listener: () => void): () => void {
    return this.supervisor.onChange(listener);
  }

  /** Stops the plugin (its socket removed) and then every device process. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    await this.supervisor.stop();
  }
}
