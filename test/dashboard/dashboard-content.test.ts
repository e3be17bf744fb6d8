// SPDX-License-Identifier: Apache-2.0
/**
 * What the dashboard shows, checked without Prometheus: the views issue 8 asks for each have a
 * panel (per-pool and per-node throughput by algorithm in ops/s and bytes/s, errors by status,
 * latency quantiles, sessions, slots, restarts, hardware per node), and every vcrypto_ metric
 * the device, the agent and the operator export appears in a panel or an alert, so nothing is
 * measured that nobody can see. That the queries run and return series is
 * dashboard-prometheus.test.ts's job.
 */
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createOperatorMetrics, DEVICE_METRICS, registerAgentMetrics } from '../../pkg/metrics/index.js';
import { renderChart } from '../support/helm-render.js';
import { panelQueries, parseDashboard, substitute } from './dashboard-queries.js';

const CHART = fileURLToPath(new URL('../../charts/vcrypto', import.meta.url));
const objects = renderChart(CHART);
const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'vcrypto-dashboard') as unknown as { data: Record<string, string> };
const dashboard = parseDashboard(cm.data['vcrypto.json']!);
const queries = panelQueries(dashboard);
const rule = objects.find((o) => o.kind === 'PrometheusRule') as unknown as { spec: { groups: { rules: { expr: string }[] }[] } };
const alertExprs = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr));

/** Panels whose query matches every pattern. */
const panelsWith = (...patterns: RegExp[]): string[] => queries.filter((q) => patterns.every((p) => p.test(q.expr))).map((q) => q.name);

describe('the dashboard shows what the people running vcrypto look for', () => {
  const views: [string, RegExp[]][] = [
    ['requests/s by algorithm per pool', [/sum by \(pool, algorithm\) \(rate\(vcrypto_device_requests_total\{/]],
    ['requests/s by algorithm per node', [/sum by \(node, algorithm\) \(rate\(vcrypto_device_requests_total\{/]],
    ['bytes/s by algorithm per pool', [/sum by \(pool, algorithm, direction\) \(rate\(vcrypto_device_request_bytes_total\{/]],
    ['bytes/s by algorithm per node', [/sum by \(node, algorithm, direction\) \(rate\(vcrypto_device_request_bytes_total\{/]],
    ['failed requests by status', [/status!="OK"/, /by \([^)]*\bstatus\b/]],
    ['latency quantiles', [/histogram_quantile\(0\.99, sum by \(le[^)]*\) \(rate\(vcrypto_device_request_duration_seconds_bucket/]],
    ['open sessions', [/vcrypto_device_sessions_active/]],
    ['slots healthy / unhealthy / allocated', [/sum by \([^)]*\bstate\b[^)]*\) \(vcrypto_agent_slots/]],
    ['device restarts', [/increase\(vcrypto_agent_device_restarts_total/]],
    ['which nodes run on hardware', [/by \([^)]*\bnode\b[^)]*\) \(vcrypto_device_backend_info\{[^}]*hardware="true"/]],
  ];
  for (const [view, patterns] of views) {
    it(`has a panel for ${view}`, () => {
      expect(panelsWith(...patterns)).not.toEqual([]);
    });
  }

  it('filters every device and agent panel by $pool and $node', () => {
    const unfiltered = queries.filter((q) => /vcrypto_(device|agent)_/.test(q.expr) && !(q.expr.includes('pool=~"$pool"') && q.expr.includes('node=~"$node"')));
    expect(unfiltered.map((q) => q.name)).toEqual([]);
  });

  it('lays out panels Grafana can place: unique ids, no overlaps, 24 columns, the chosen data source', () => {
    type Placed = { id?: number; type: string; title: string; gridPos?: { x: number; y: number; w: number; h: number }; datasource?: { uid?: string }; targets?: { refId: string }[] };
    const panels = dashboard.panels as Placed[];
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const p of panels) {
      const g = p.gridPos;
      expect(g, p.title).toBeDefined();
      expect(g!.x + g!.w, p.title).toBeLessThanOrEqual(24);
      for (let x = g!.x; x < g!.x + g!.w; x++) {
        for (let y = g!.y; y < g!.y + g!.h; y++) {
          const other = cells.get(`${x},${y}`);
          expect(other, `${p.title} overlaps ${other ?? ''}`).toBeUndefined();
          cells.set(`${x},${y}`, p.title);
        }
      }
      if (p.type === 'row') continue;
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
    }
  });

  it('uses only variables it defines or Grafana provides', () => {
    const defined = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, 'x']));
    for (const q of queries) expect(() => substitute(q.expr, { ...defined, __rate_interval: '1m' }), q.name).not.toThrow();
  });

  it('shows or alerts on every metric the device, the agent and the operator export', () => {
    const r = new Registry();
    registerAgentMetrics(r, () => []);
    createOperatorMetrics(r);
    const names = [...DEVICE_METRICS.map((m) => m.name), ...r.getMetricsAsArray().map((m) => m.name)];
    expect(names.length).toBeGreaterThanOrEqual(18);
    const used = [...queries.map((q) => q.expr), ...alertExprs].join('\n');
    expect(names.filter((n) => !used.includes(n))).toEqual([]);
  });
});
