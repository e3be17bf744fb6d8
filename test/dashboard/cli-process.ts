// SPDX-License-Identifier: Apache-2.0
/**
 * A `vcrypto` subcommand run as a child process for the dashboard test: keeps its JSON log lines,
 * waits for a given message (e.g. the one carrying its metrics URL), and stops it with SIGTERM
 * (SIGKILL after a grace period). Knows nothing of what the subcommand does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class CliProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(cli: string, args: readonly string[]) {
    this.#child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VCRYPTO_LOG_LEVEL: 'info' } });
    this.#child.on('error', () => undefined);
    this.#exited = new Promise((resolve) => this.#child.once('close', () => resolve()));
    if (this.#child.stderr !== null) {
      createInterface({ input: this.#child.stderr }).on('line', (l) => {
        try {
          this.lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: l });
        }
      });
    }
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The first log record whose msg is `msg`; throws if the process exits or `timeoutMs` passes first. */
  async waitForLog(msg: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find((l) => l['msg'] === msg);
      if (hit !== undefined) return hit;
      if (!this.running || Date.now() > deadline) {
        throw new Error(`no "${msg}" log line (${this.running ? 'timed out' : 'the process exited'}); last lines:\n${this.lines.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** host:port of the URL in the `url` field of the log line `msg`. */
  async endpoint(msg: string): Promise<string> {
    const url = (await this.waitForLog(msg))['url'];
    if (typeof url !== 'string') throw new Error(`the "${msg}" log line has no url`);
    return new URL(url).host;
  }

  async stop(): Promise<void> {
    if (this.running) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await this.#exited;
      clearTimeout(timer);
    }
  }
}
