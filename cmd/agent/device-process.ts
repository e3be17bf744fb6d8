// SPDX-License-Identifier: Apache-2.0
/**
 * One device process as the supervisor sees it, in two kinds:
 * - `ChildDevice`: a `vcrypto device` the agent spawned; its JSON log lines (stderr) tell when it
 *   serves ("Listening for a vhost-user frontend") and when a VM comes and goes ("Frontend
 *   connected", "Frontend left...", "Frontend dropped...");
 * - `AdoptedDevice`: one a previous agent left running with a VM attached; its logs went to
 *   the old agent, so /proc tells whether it lives and whether a frontend is still connected.
 * Both report through the same events. Knows nothing of slots, folders or backoff.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connectedFrontends, isSameProcess } from './proc.js';

export interface DeviceEvents {
  onListening(): void;
  onFrontend(connected: boolean): void;
  onExit(code: number | null, signal: string | null): void;
  /** Every log line of a child, parsed when it is JSON. */
  onLog(record: Record<string, unknown> | string): void;
}

export interface DeviceHandle {
  readonly pid: number | undefined;
  readonly kind: 'child' | 'adopted';
  signal(sig: NodeJS.Signals): void;
}

const LISTENING = 'Listening for a vhost-user frontend';
const CONNECTED = 'Frontend connected';
const LEFT = /^Frontend (left|dropped)/;

export class ChildDevice implements DeviceHandle {
  readonly kind = 'child';
  readonly #child: ChildProcess;
  #exited = false;

  constructor(command: readonly string[], args: readonly string[], events: DeviceEvents) {
    const [file, ...pre] = command;
    if (file === undefined) throw new Error('empty device command');
    this.#child = spawn(file, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = (code: number | null, signal: string | null): void => {
      if (this.#exited) return;
      this.#exited = true;
      events.onExit(code, signal);
    };
    this.#child.on('error', () => done(null, null));
    // 'close' (not 'exit'): every log line has been read by then.
    this.#child.on('close', (code, signal) => done(code, signal));
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (stream === null) continue;
      stream.on('error', () => undefined);
      createInterface({ input: stream }).on('line', (line) => {
        let record: Record<string, unknown> | string = line;
        try {
          const parsed: unknown = JSON.parse(line);
          if (parsed !== null && typeof parsed === 'object') record = parsed as Record<string, unknown>;
        } catch {
          // Not JSON (a crash trace): passed on as text.
        }
        events.onLog(record);
        if (typeof record === 'string') return;
        const msg = record['msg'];
        if (msg === LISTENING) events.onListening();
        else if (msg === CONNECTED) events.onFrontend(true);
        else if (typeof msg === 'string' && LEFT.test(msg)) events.onFrontend(false);
      });
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.#exited) this.#child.kill(sig);
  }
}

/** Polls /proc for a device process that is not our child. */
export class AdoptedDevice implements DeviceHandle {
  readonly kind = 'adopted';
  readonly pid: number;
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, startTime: string, socketPath: string, pollMs: number, events: DeviceEvents, procRoot?: string) {
    this.pid = pid;
    let connected = connectedFrontends(socketPath, procRoot) > 0;
    this.#timer = setInterval(() => {
      if (!isSameProcess(pid, startTime, procRoot)) {
        clearInterval(this.#timer);
        events.onExit(null, null);
        return;
      }
      const now = connectedFrontends(socketPath, procRoot) > 0;
      if (now !== connected) {
        connected = now;
        events.onFrontend(now);
      }
    }, pollMs);
  }

  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // Already gone: the poll reports the exit.
    }
  }

  dispose(): void {
    clearInterval(this.#timer);
  }
}
