// SPDX-License-Identifier: Apache-2.0
/**
 * Runs a Scanner and keeps one plugin server per resource name in step with the trees it
 * reports: a new resource gets a server (started; a socket failure is retried), a changed device
 * list is pushed to its server, a resource that disappears has its server stopped. The server
 * factory is a constructor parameter so tests can replace it. Knows nothing of any device kind,
 * and nothing of gRPC beyond the PluginServer interface.
 */
import type { Logger } from '../log/logger.js';
import type { DeviceInfo, DeviceTree, Notifier, PluginStats, Scanner } from './api.js';
import { getErrorMessage } from './errors.js';
import type { PluginServer } from './server.js';

/** Pause before trying again to start a server whose socket could not be served. */
export const SERVER_START_RETRY_MS = 2000;

export type ServerFactory = (resourceName: string) => PluginServer;

export interface ManagerOptions {
  readonly scanner: Scanner;
  readonly serverFactory: ServerFactory;
  readonly log: Logger;
  readonly startRetryMs?: number;
}

function sameDevices(a: readonly DeviceInfo[], b: readonly DeviceInfo[]): boolean {
  return a.length === b.length && a.every((d, i) => d.id === b[i]?.id && d.healthy === b[i]?.healthy && d.numaNode === b[i]?.numaNode);
}

export class Manager {
  readonly #o: ManagerOptions;
  readonly #servers = new Map<string, { server: PluginServer; devices: readonly DeviceInfo[]; retry?: NodeJS.Timeout }>();
  #stopped = false;

  constructor(options: ManagerOptions) {
    this.#o = options;
  }

  /** Scans until `signal` aborts, then stops every server. */
  async run(signal: AbortSignal): Promise<void> {
    const notifier: Notifier = { notify: (tree) => this.#apply(tree) };
    try {
      await this.#o.scanner.scan(notifier, signal);
    } finally {
      await this.stop();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const all = [...this.#servers.values()];
    this.#servers.clear();
    for (const s of all) if (s.retry !== undefined) clearTimeout(s.retry);
    await Promise.all(all.map((s) => s.server.stop()));
  }

  servers(): readonly PluginServer[] {
    return [...this.#servers.values()].map((s) => s.server);
  }

  /** Counters summed over every server. */
  stats(): PluginStats {
    let registrations = 0;
    let allocateOk = 0;
    let allocateFailed = 0;
    for (const { server } of this.#servers.values()) {
      const s = server.stats();
      registrations += s.registrations;
      allocateOk += s.allocateOk;
      allocateFailed += s.allocateFailed;
    }
    return { registrations, allocateOk, allocateFailed };
  }

  #apply(tree: DeviceTree): void {
    if (this.#stopped) return;
    for (const [name, entry] of this.#servers) {
      if (tree.has(name)) continue;
      this.#servers.delete(name);
      if (entry.retry !== undefined) clearTimeout(entry.retry);
      this.#o.log.info('Resource gone; stopping its device plugin', { resource: name });
      void entry.server.stop();
    }
    for (const [name, devices] of tree) {
      const entry = this.#servers.get(name);
      if (entry === undefined) {
        const server = this.#o.serverFactory(name);
        server.update(devices);
        const created: { server: PluginServer; devices: readonly DeviceInfo[]; retry?: NodeJS.Timeout } = { server, devices };
        this.#servers.set(name, created);
        this.#start(created);
      } else if (!sameDevices(entry.devices, devices)) {
        entry.devices = devices;
        entry.server.update(devices);
      }
    }
  }

  #start(entry: { server: PluginServer; retry?: NodeJS.Timeout }): void {
    entry.server.start().catch((e: unknown) => {
      this.#o.log.error('Device plugin could not start; retrying', { resource: entry.server.resourceName, err: e instanceof Error ? e : getErrorMessage(e) });
      if (this.#stopped || this.#servers.get(entry.server.resourceName) !== entry) return;
      entry.retry = setTimeout(() => this.#start(entry), this.#o.startRetryMs ?? SERVER_START_RETRY_MS);
    });
  }
}
