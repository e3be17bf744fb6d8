// SPDX-License-Identifier: Apache-2.0
/**
 * `vcrypto bench --quick` as a user runs it (the built CLI, a real device process): it exits 0,
 * prints the table, and writes JSON that the result schema accepts, with a row for every mode,
 * algorithm, size and depth of a quick run and RSS figures. Not a benchmark: no figure is judged,
 * only the shape. Needs `npm run build` first, as the other process-level tests do.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchResultSchema } from '../../cmd/bench/results.js';
import { ALGORITHMS, CRYPTODEV_ALGORITHMS } from '../../cmd/bench/workloads.js';
import { CLI, requireBuild } from '../integration/node-agent-support.js';

describe('vcrypto bench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--quick runs a device in both modes and writes well-formed JSON', () => {
    requireBuild();
    const output = join(dir, 'quick.json');
    const r = spawnSync(process.execPath, [CLI, 'bench', '--quick', '--output', output], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain(`wrote ${output}`);
    expect(r.status).toBe(0);
    const result = BenchResultSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(result.options.quick).toBe(true);
    const keys = new Set(result.rows.map((x) => `${x.mode} ${x.algorithm} ${x.sizeBytes} ${x.depth} ${x.queues}`));
    const expected: string[] = [];
    for (const mode of ['device', 'cryptodev'] as const) {
      for (const a of mode === 'device' ? ALGORITHMS : CRYPTODEV_ALGORITHMS) {
        for (const size of result.options.sizes) for (const depth of result.options.depths) expected.push(`${mode} ${a} ${size} ${depth} 1`);
      }
    }
    expect([...keys].sort()).toEqual(expected.sort());
    for (const row of result.rows) {
      expect(row.requests, `${row.mode} ${row.algorithm} ${row.sizeBytes}`).toBeGreaterThan(0);
      expect(row.latencyUs === null).toBe(row.depth !== 1);
      expect(row.maxInFlight).toBe(row.depth * row.queues);
    }
    expect(result.rss.requests).toBe(20_000);
    expect(result.rss.warmRequests).toBeGreaterThan(0);
    // The table names every algorithm and the RSS line.
    for (const a of ALGORITHMS) expect(r.stdout).toContain(a);
    expect(r.stdout).toMatch(/device RSS \(its own, RssAnon\): [\d.]+ MiB idle, [\d.]+ MiB after the rows \(\d+ requests\), [\d.]+ MiB after 20000 more/);
  }, 60_000);

  it('with two queues on queue workers, reports the scaling beside what two node:crypto threads reach', () => {
    requireBuild();
    const output = join(dir, 'two-queues.json');
    const r = spawnSync(
      process.execPath,
      [CLI, 'bench', '--quick', '--modes', 'device', '--algorithms', 'sha256', '--sizes', '4K', '--depths', '32', '--queues', '1,2', '--datapath', 'workers', '--output', output],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = BenchResultSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(result.options.datapath).toBe('workers');
    expect(result.rows.map((x) => x.queues).sort()).toEqual([1, 2]);
    expect(result.rows.find((x) => x.queues === 2)!.maxInFlight).toBe(64);
    expect(result.scaling).toHaveLength(1);
    const s = result.scaling[0]!;
    expect([s.algorithm, s.sizeBytes, s.queues]).toEqual(['sha256', 4096, 2]);
    expect(s.ratioToOneQueue).toBeGreaterThan(0);
    expect(s.machineRatio).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/scaling: sha256 4K depth 32: 2 queues = [\d.]+x one queue; node:crypto in 2 threads = [\d.]+x one thread/);
  }, 60_000);

  it('keeps the deepest allowed depth in flight for a request of five descriptors', () => {
    requireBuild();
    const output = join(dir, 'depth-64.json');
    // AES-GCM laid out as Linux does: header, iv, src, dst and status, each a descriptor.
    const r = spawnSync(
      process.execPath,
      [CLI, 'bench', '--quick', '--modes', 'device', '--algorithms', 'aes-256-gcm-enc', '--sizes', '4K', '--depths', '64', '--queues', '1', '--output', output],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = BenchResultSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(result.rows.map((x) => [x.depth, x.maxInFlight])).toEqual([[64, 64]]);
  }, 60_000);

  it('refuses a bad flag with exit 2 and names it', () => {
    requireBuild();
    const r = spawnSync(process.execPath, [CLI, 'bench', '--sizes', '100'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--sizes');
  });

  it('--help describes every column and flag', () => {
    requireBuild();
    const r = spawnSync(process.execPath, [CLI, 'bench', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const word of ['--quick', '--datapath', '--algorithms', '--sizes', '--depths', '--queues', '--duration', '--output', '--profile', 'cpu s/GB', 'dev busy', 'ratio', 'p99']) {
      expect(r.stdout).toContain(word);
    }
  });
});
