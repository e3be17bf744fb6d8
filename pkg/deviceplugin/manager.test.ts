// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import type { DeviceInfo, DeviceTree, Notifier, Scanner } from './api.js';
import { Manager } from './manager.js';
import type { PluginServer, PluginServerState } from './server.js';

const log = createLogger({ name: 'test', level: 'error' });

class FakeServer implements PluginServer {
  state: PluginServerState = 'idle';
  updates: Array<readonly DeviceInfo[]> = [];
  starts = 0;
  constructor(readonly resourceName: string, private readonly failFirstStart = false) {}
  async start(): Promise<void> {
    this.starts++;
    if (this.failFirstStart && this.starts === 1) throw new Error('socket busy');
    this.state = 'registered';
  }
  update(devices: readonly DeviceInfo[]): void {
    this.updates.push(devices);
  }
  async stop(): Promise<void> {
    this.state = 'stopped';
  }
  stats() {
    return { registrations: this.state === 'registered' ? 1 : 0, allocateOk: 2, allocateFailed: 1 };
  }
}

/** A scanner the test drives by hand. */
class ManualScanner implements Scanner {
  notifier: Notifier | undefined;
  scan(notifier: Notifier, signal: AbortSignal): Promise<void> {
    this.notifier = notifier;
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  push(tree: Record<string, DeviceInfo[]>): void {
    this.notifier?.notify(new Map(Object.entries(tree)) as DeviceTree);
  }
}

describe('Manager', () => {
  it('starts one server per resource, pushes only changed lists, stops servers of vanished resources', async () => {
    const scanner = new ManualScanner();
    const made: FakeServer[] = [];
    const m = new Manager({ scanner, log, serverFactory: (name) => (made.push(new FakeServer(name)), made[made.length - 1]!) });
    const ac = new AbortController();
    const running = m.run(ac.signal);
    scanner.push({ 'a.io/x': [{ id: '1', healthy: true }] });
    scanner.push({ 'a.io/x': [{ id: '1', healthy: true }] });
    scanner.push({ 'a.io/x': [{ id: '1', healthy: false }], 'a.io/y': [] });
    expect(made.map((s) => s.resourceName)).toEqual(['a.io/x', 'a.io/y']);
    expect(made[0]?.updates).toEqual([[{ id: '1', healthy: true }], [{ id: '1', healthy: false }]]);
    await new Promise((r) => setImmediate(r));
    expect(m.stats()).toEqual({ registrations: 2, allocateOk: 4, allocateFailed: 2 });
    scanner.push({ 'a.io/y': [] });
    expect(made[0]?.state).toBe('stopped');
    expect(m.servers().map((s) => s.resourceName)).toEqual(['a.io/y']);
    ac.abort();
    await running;
    expect(made[1]?.state).toBe('stopped');
  });

  it('retries a server whose start failed', async () => {
    const scanner = new ManualScanner();
    const server = new FakeServer('a.io/x', true);
    const m = new Manager({ scanner, log, serverFactory: () => server, startRetryMs: 10 });
    const ac = new AbortController();
    const running = m.run(ac.signal);
    scanner.push({ 'a.io/x': [] });
    while (server.state !== 'registered') await new Promise((r) => setTimeout(r, 10));
    expect(server.starts).toBe(2);
    expect(server.state).toBe('registered');
    ac.abort();
    await running;
  });
});
