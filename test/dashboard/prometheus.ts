// SPDX-License-Identifier: Apache-2.0
/**
 * A real Prometheus server (Debian's `prometheus` binary, installed by test/dashboard/setup.sh)
 * for tests: writes a config that scrapes the given targets every second and loads the given
 * rule files, runs it on a temporary folder and a free loopback port, and talks to its HTTP API
 * (instant and range queries, label values, rule health). Also runs `promtool` checks. Knows
 * nothing of vcrypto's metric names or dashboards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const SETUP_SCRIPT = 'test/dashboard/setup.sh';

/** Why the Prometheus tests cannot run here, or undefined when both binaries are on PATH. */
export function missingTools(): string | undefined {
  for (const tool of ['prometheus', 'promtool']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed: run 'bash ${SETUP_SCRIPT}' (installs Debian's prometheus package)`;
  }
  return undefined;
}

export interface ScrapeJob {
  readonly job: string;
  /** host:port of the /metrics endpoint. */
  readonly target: string;
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs `promtool check metrics` on an exposition text. */
export function promtoolCheckMetrics(text: string): PromtoolResult {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** Runs `promtool check rules` on Prometheus rule files. */
export function promtoolCheckRules(files: readonly string[]): PromtoolResult {
  const r = spawnSync('promtool', ['check', 'rules', '--lint=all', '--lint-fatal', ...files], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface Series {
  readonly metric: Record<string, string>;
}

export interface RuleHealth {
  readonly name: string;
  readonly query: string;
  readonly health: string;
  readonly lastError?: string;
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

export class PrometheusServer {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #log = '';

  private constructor(child: ChildProcess, dir: string, url: string) {
    this.#child = child;
    this.#dir = dir;
    this.url = url;
    child.stderr?.on('data', (d: Buffer) => {
      this.#log = (this.#log + d.toString()).slice(-8000);
    });
  }

  /** Starts Prometheus scraping `jobs` every second; `rules` are rule-file texts (YAML). */
  static async start(jobs: readonly ScrapeJob[], rules: readonly string[] = []): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'vcrypto-prometheus-'));
    const ruleFiles = rules.map((text, i) => {
      const file = join(dir, `rules-${i}.yaml`);
      writeFileSync(file, text);
      return file;
    });
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: [j.target] }] })),
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    const child = spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.on('error', () => undefined);
    const p = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`);
    await p.waitReady();
    return p;
  }

  private async waitReady(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (this.#child.exitCode !== null) throw new Error(`prometheus exited with ${this.#child.exitCode}:\n${this.#log}`);
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`prometheus did not become ready:\n${this.#log}`);
  }

  async #get<T>(path: string, params: Record<string, string | string[]>): Promise<T> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
    const res = await fetch(`${this.url}${path}?${q.toString()}`);
    const body = (await res.json()) as ApiAnswer<T>;
    if (body.status !== 'success' || body.data === undefined) throw new Error(`${body.errorType ?? 'error'}: ${body.error ?? `HTTP ${res.status}`}`);
    return body.data;
  }

  /** An instant query at the server's now; throws with Prometheus's message on an invalid query. */
  async query(expr: string): Promise<Series[]> {
    const d = await this.#get<{ resultType: string; result: Series[] }>('/api/v1/query', { query: expr });
    return d.resultType === 'vector' || d.resultType === 'matrix' ? d.result : [];
  }

  /** A range query as Grafana's time series panels send it: the last `seconds`, one point per `stepSeconds`. */
  async queryRange(expr: string, seconds: number, stepSeconds: number): Promise<Series[]> {
    const end = Date.now() / 1000;
    const d = await this.#get<{ result: Series[] }>('/api/v1/query_range', { query: expr, start: String(end - seconds), end: String(end), step: String(stepSeconds) });
    return d.result;
  }

  /** Values of a label among the series `match` selects (what Grafana's label_values() asks). */
  labelValues(label: string, match: string): Promise<string[]> {
    return this.#get<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values`, { 'match[]': match });
  }

  /** Every recording and alerting rule with its health after its last evaluation. */
  async rules(): Promise<RuleHealth[]> {
    const d = await this.#get<{ groups: { rules: RuleHealth[]; lastEvaluation: string }[] }>('/api/v1/rules', {});
    return d.groups.flatMap((g) => g.rules);
  }

  /** Polls `probe` until it answers true (Prometheus has scraped enough), or throws after `timeoutMs`. */
  async waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
