// SPDX-License-Identifier: Apache-2.0
/**
 * The chart's alerts, unit-tested with `promtool test rules` (Debian's prometheus package,
 * installed by test/dashboard/setup.sh; skipped with that reason when missing): made-up series
 * over time go in, and each alert must fire exactly when it should, with the labels and the
 * rendered annotation texts a person will read, and stay silent in the healthy case next to it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderChart } from '../support/helm-render.js';
import { missingTools } from './prometheus.js';

const CHART = fileURLToPath(new URL('../../charts/vcrypto', import.meta.url));
const missing = missingTools();

interface AlertCase {
  readonly what: string;
  readonly series: Record<string, string>;
  readonly alert: string;
  readonly at: string;
  readonly fires: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

const CASES: AlertCase[] = [
  {
    what: 'a pool Degraded for over 10 minutes',
    series: { 'vcrypto_operator_pools{condition="Degraded"}': '1x20', 'vcrypto_operator_pools{condition="Available"}': '2x20' },
    alert: 'VcryptoPoolDegraded',
    at: '11m',
    fires: [{
      labels: { severity: 'warning', condition: 'Degraded' },
      annotations: { summary: 'A VirtioCryptoDevice pool is Degraded', description: '1 pool(s) report Degraded; kubectl get vcd shows which and why.' },
    }],
  },
  {
    what: 'a pool Degraded for only 5 minutes',
    series: { 'vcrypto_operator_pools{condition="Degraded"}': '1x5 0x10' },
    alert: 'VcryptoPoolDegraded',
    at: '11m',
    fires: [],
  },
  {
    what: 'unhealthy slots on one node for over 5 minutes, none on another',
    series: {
      'vcrypto_agent_slots{pool="fast",node="n1",state="unhealthy"}': '2x10',
      'vcrypto_agent_slots{pool="fast",node="n1",state="healthy"}': '2x10',
      'vcrypto_agent_slots{pool="fast",node="n2",state="unhealthy"}': '0x10',
    },
    alert: 'VcryptoSlotsUnhealthy',
    at: '6m',
    fires: [{
      labels: { severity: 'warning', pool: 'fast', node: 'n1' },
      annotations: { summary: 'Crypto device slots are unhealthy', description: 'Pool fast has 2 unhealthy slot(s) on n1.' },
    }],
  },
  {
    what: 'a device process restarted every minute, another once',
    series: {
      'vcrypto_agent_device_restarts_total{pool="fast",node="n1"}': '0+1x20',
      'vcrypto_agent_device_restarts_total{pool="fast",node="n2"}': '0 1x20',
    },
    alert: 'VcryptoDeviceRestarting',
    at: '16m',
    fires: [{
      labels: { severity: 'warning', pool: 'fast', node: 'n1' },
      annotations: { summary: 'Device processes keep restarting', description: 'Pool fast on n1 restarted device processes 15 times in 15 minutes.' },
    }],
  },
  {
    what: 'a pool asking for auto (hardware when there is some) computing in software on one node',
    series: {
      'vcrypto_agent_pool_backend_info{pool="fast",node="n1",backend="auto"}': '1x20',
      'vcrypto_agent_pool_backend_info{pool="fast",node="n2",backend="auto"}': '1x20',
      'vcrypto_device_backend_info{pool="fast",node="n1",slot="0",algorithm="aes-cbc",backend="software",driver="openssl",hardware="false"}': '1x20',
      'vcrypto_device_backend_info{pool="fast",node="n2",slot="0",algorithm="aes-cbc",backend="kernel",driver="qat_aes_cbc",hardware="true"}': '1x20',
      'vcrypto_device_backend_info{pool="fast",node="n2",slot="0",algorithm="sha256",backend="kernel",driver="sha256-generic",hardware="false"}': '1x20',
      'vcrypto_agent_pool_backend_info{pool="soft",node="n1",backend="software"}': '1x20',
      'vcrypto_device_backend_info{pool="soft",node="n1",slot="0",algorithm="aes-cbc",backend="software",driver="openssl",hardware="false"}': '1x20',
    },
    alert: 'VcryptoFallingBackToSoftware',
    at: '16m',
    fires: [{
      labels: { severity: 'info', pool: 'fast', node: 'n1' },
      annotations: { summary: 'A pool asked for hardware but a node computes in software', description: 'Node n1 serves pool fast without a hardware driver.' },
    }],
  },
];

describe('the chart\'s alerts under promtool test rules', () => {
  it('fire on the conditions they name, with readable texts, and stay silent otherwise', (ctx) => {
    if (missing !== undefined) ctx.skip(missing);
    const rule = renderChart(CHART).find((o) => o.kind === 'PrometheusRule') as unknown as { spec: { groups: unknown[] } } | undefined;
    expect(rule, 'the chart renders a PrometheusRule').toBeDefined();
    const alerts = (rule!.spec.groups as { rules: { alert: string }[] }[]).flatMap((g) => g.rules.map((r) => r.alert));
    // Every alert has at least one firing case.
    expect(alerts.filter((a) => !CASES.some((c) => c.alert === a && c.fires.length > 0))).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'vcrypto-alerts-'));
    try {
      writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule!.spec.groups }));
      const tests = CASES.map((c) => ({
        name: c.what,
        interval: '1m',
        input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [{
          eval_time: c.at,
          alertname: c.alert,
          exp_alerts: c.fires.map((f) => ({ exp_labels: f.labels, exp_annotations: f.annotations })),
        }],
      }));
      writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
      const r = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
