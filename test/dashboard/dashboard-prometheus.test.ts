// SPDX-License-Identifier: Apache-2.0
/**
 * The Grafana dashboard and the alerts against a REAL Prometheus (Debian's package; installed by
 * test/dashboard/setup.sh, skipped with that reason when missing). Prometheus scrapes, every
 * second:
 * - a running `vcrypto agent` (one pool, two slots, registered with the FAKE kubelet of
 *   test/support/fake-kubelet, slot 0 allocated): the vcrypto_agent_* series and, from its
 *   devices' stats files, every slot's vcrypto_device_* series with pool/node/slot labels. Slot
 *   0's device is loaded through its vhost-user socket by the project's own frontend, as a VM
 *   would (every service, and failing requests: BADMSG, KEY_REJECTED, INVSESS, a refused
 *   session);
 * - a running `vcrypto operator` against the FAKE API server of test/support/fake-apiserver, with
 *   the pool and its node in it: the operator takes the lease and reconciles the pool, so the
 *   reconcile, pool-condition and leader series are real.
 * Then every panel target of the dashboard the chart ships is run through the HTTP API, as a
 * range query the way Grafana asks, with the template variables replaced by the pool and node
 * under test, by a two-value selection and by Grafana's "All" value; a query that is invalid or
 * returns no series fails, naming the panel. The alert rules of the rendered PrometheusRule are
 * loaded into Prometheus and must evaluate without error, pass `promtool check rules`, and be
 * valid as queries. Real scrapes of the agent and the operator pass `promtool check metrics`.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CLI, makeDirs, requireBuild, ROOT, writePool, type Dirs } from '../integration/node-agent-support.js';
import { createNode, createPool, newFakeApiServer } from '../integration/operator-support.js';
import { writeFakeKubeconfig, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { FakeKubelet } from '../support/fake-kubelet/fake-kubelet.js';
import { renderChart } from '../support/helm-render.js';
import { CliProcess } from './cli-process.js';
import { labelValueVariables, panelQueries, parseDashboard, substitute, type Dashboard } from './dashboard-queries.js';
import { startLoad, type LoadRun } from './load.js';
import { missingTools, PrometheusServer, promtoolCheckMetrics, promtoolCheckRules } from './prometheus.js';

const CHART = join(ROOT, 'charts/vcrypto');
const POOL = 'dash';
const NODE = 'node-d';
const missing = missingTools();

/** Grafana's own variables, for a 1 s scrape interval and a 30 s range. */
const GRAFANA_VARS = { __rate_interval: '10s', __interval: '1s', __range: '30s' } as const;

function chartMonitoring(): { dashboard: Dashboard; rules: { groups: unknown[] } } {
  const objects = renderChart(CHART);
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'vcrypto-dashboard') as unknown as { data: Record<string, string> } | undefined;
  const rule = objects.find((o) => o.kind === 'PrometheusRule') as unknown as { spec: { groups: unknown[] } } | undefined;
  if (cm?.data['vcrypto.json'] === undefined || rule === undefined) throw new Error('the chart renders no dashboard ConfigMap or PrometheusRule');
  return { dashboard: parseDashboard(cm.data['vcrypto.json']), rules: { groups: rule.spec.groups } };
}

async function scrape(hostPort: string): Promise<string> {
  const res = await fetch(`http://${hostPort}/metrics`);
  if (!res.ok) throw new Error(`GET http://${hostPort}/metrics: HTTP ${res.status}`);
  return res.text();
}

describe('the Grafana dashboard and alerts against a real Prometheus', () => {
  let dirs: Dirs | undefined;
  let kubelet: FakeKubelet | undefined;
  let agent: CliProcess | undefined;
  let apiServer: FakeApiServer | undefined;
  let operator: CliProcess | undefined;
  let load: LoadRun | undefined;
  let prom: PrometheusServer | undefined;
  const targets = { agent: '', operator: '' };
  const { dashboard, rules } = chartMonitoring();

  beforeAll(async () => {
    if (missing !== undefined) return;
    requireBuild();
    if (!existsSync(join(ROOT, 'dist/cmd/operator/main.js'))) throw new Error("dist/cmd/operator/main.js is missing: run 'npm run build' first");
    dirs = makeDirs('vcrypto-dashboard-');
    kubelet = new FakeKubelet(dirs.plugins);
    await kubelet.start();
    apiServer = newFakeApiServer();
    await apiServer.start();
    createNode(apiServer, NODE, { 'vcrypto.dev/pool': POOL });
    createPool(apiServer, POOL, { nodeSelector: { 'vcrypto.dev/pool': POOL }, slotsPerNode: 2 });
    writePool(dirs, POOL, { slotsPerNode: 2 });

    // Both processes start side by side; each tells where it serves in a log line.
    const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    agent = new CliProcess(CLI, ['agent', '--pool-config', dirs.poolFile, '--node-name', NODE, '--state-dir', dirs.state, '--device-plugin-dir', dirs.plugins, '--socket-owner', owner, '--health-port', '0', '--health-address', '127.0.0.1']);
    operator = new CliProcess(CLI, ['operator', '--kubeconfig', writeFakeKubeconfig(apiServer, join(dirs.root, 'kubeconfig'), 'operator'), '--metrics-port', '0', '--metrics-address', '127.0.0.1',
      '--identity', 'dashboard-test', '--lease-duration-ms', '2000', '--renew-deadline-ms', '1500', '--retry-period-ms', '250']);
    targets.agent = await agent.endpoint('Serving health and metrics');
    targets.operator = `127.0.0.1:${String((await operator.waitForLog('Operator started'))['metricsPort'])}`;

    // Prometheus starts while the agent registers its slots with the kubelet.
    prom = await PrometheusServer.start(
      [
        { job: 'vcrypto-agent', target: targets.agent },
        { job: 'vcrypto-operator', target: targets.operator },
      ],
      [stringify(rules)],
    );
    const resource = `vcrypto.dev/${POOL}`;
    await kubelet.waitForDevices(resource, (d) => d.length === 2 && d.every((x) => x.health === 'Healthy'));
    const [allocation] = await kubelet.allocate(resource, [[`${POOL}-0`]]);
    const slotDir = allocation?.mounts[0]?.host_path;
    if (slotDir === undefined) throw new Error('Allocate mounted no slot folder');
    load = await startLoad(join(slotDir, 'vhost.sock'));

    // Every target scraped a few times, and every device series seen in three scrapes under load.
    const p = prom;
    await p.waitFor('three scrapes of every target', async () => {
      const r = await p.query('count(count_over_time(up[1m]) >= 3) == 2');
      return r.length === 1;
    });
    await p.waitFor('three scrapes of the device under load', async () => {
      const ok = await p.query('min(count_over_time(vcrypto_device_requests_total[1m])) >= 3');
      const failed = await p.query('vcrypto_device_requests_total{status!="OK"}');
      return ok.length === 1 && failed.length > 0;
    });
    // A generous bound for busy shared machines: the whole file took 18-49 s on this 2-core one.
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await prom?.stop();
    await agent?.stop();
    await operator?.stop();
    await apiServer?.stop();
    await kubelet?.stop();
    if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
  });

  const server = (ctx: { skip: (note?: string) => never }): PrometheusServer => {
    if (missing !== undefined) ctx.skip(missing);
    if (prom === undefined) throw new Error('Prometheus did not start');
    return prom;
  };

  it('scrapes the agent and the operator, and the load reached slot 0 through every service with failures', async (ctx) => {
    const p = server(ctx);
    const jobs = (await p.query('up == 1')).map((s) => s.metric['job']).sort();
    expect(jobs).toEqual(['vcrypto-agent', 'vcrypto-operator']);
    // Both slots' device series come through the agent; only slot 0 has a VM and requests.
    expect((await p.query(`count by (slot) (vcrypto_device_backend_info{pool="${POOL}", node="${NODE}"})`)).map((s) => s.metric['slot']).sort()).toEqual(['0', '1']);
    expect((await p.query('count by (slot) (vcrypto_device_requests_total)')).map((s) => s.metric['slot'])).toEqual(['0']);
    expect(load?.failures).toEqual([]);
    const services = (await p.query('sum by (service) (vcrypto_device_requests_total)')).map((s) => s.metric['service']).sort();
    expect(services).toEqual(['aead', 'akcipher', 'cipher', 'hash', 'mac']);
    const statuses = (await p.query('sum by (status) (vcrypto_device_requests_total)')).map((s) => s.metric['status']).sort();
    expect(statuses).toEqual(expect.arrayContaining(['BADMSG', 'INVSESS', 'KEY_REJECTED', 'OK']));
    // The operator holds the lease and reconciled the pool.
    expect((await p.query('vcrypto_operator_leader == 1')).length).toBe(1);
    expect((await p.query('vcrypto_operator_reconciles_total{kind="VirtioCryptoDevice"} > 0')).length).toBeGreaterThan(0);
  });

  it('answers every panel query of the dashboard with series, for one pool and node, for two of each and for "All"', async (ctx) => {
    const p = server(ctx);
    const queries = panelQueries(dashboard);
    expect(queries.length).toBeGreaterThanOrEqual(20);
    const problems: string[] = [];
    // Grafana writes a multi-value selection as a regex alternation, and "All" as the allValue.
    for (const choice of [{ pool: POOL, node: NODE }, { pool: `(${POOL}|other)`, node: `(${NODE}|other)` }, { pool: '.*', node: '.*' }]) {
      for (const q of queries) {
        const expr = substitute(q.expr, { ...GRAFANA_VARS, ...choice });
        try {
          const series = await p.queryRange(expr, 30, 1);
          if (series.length === 0) problems.push(`panel "${q.name}" (pool=${choice.pool}): no series for ${expr}`);
        } catch (e: unknown) {
          problems.push(`panel "${q.name}": invalid query ${expr}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists the pool and the node in the dashboard variables', async (ctx) => {
    const p = server(ctx);
    const vars = labelValueVariables(dashboard);
    expect(vars.map((v) => v.name)).toEqual(['pool', 'node']);
    const want: Record<string, string> = { pool: POOL, node: NODE };
    for (const v of vars) {
      const values = await p.labelValues(v.label, substitute(v.selector, { pool: POOL, node: NODE }));
      expect(values, `variable $${v.name}`).toContain(want[v.name]);
    }
  });

  it('loads every alert rule, evaluates it without error, and promtool accepts the rule file', async (ctx) => {
    const p = server(ctx);
    const file = join(dirs!.root, 'vcrypto-rules.yaml');
    writeFileSync(file, stringify(rules));
    const checked = promtoolCheckRules([file]);
    expect(checked.ok, checked.output).toBe(true);
    const alerts = ['VcryptoPoolDegraded', 'VcryptoSlotsUnhealthy', 'VcryptoDeviceRestarting', 'VcryptoFallingBackToSoftware'];
    await p.waitFor('every rule evaluated', async () => {
      const r = await p.rules();
      return r.length === alerts.length && r.every((x) => x.health !== 'unknown');
    });
    const health = await p.rules();
    expect(health.map((r) => ({ name: r.name, health: r.health, lastError: r.lastError ?? '' }))).toEqual(alerts.map((name) => ({ name, health: 'ok', lastError: '' })));
    for (const r of health) await expect(p.query(r.query), r.name).resolves.toBeDefined();
  });

  it('passes promtool check metrics on real scrapes of the agent (with its devices under load) and the operator', async (ctx) => {
    server(ctx);
    for (const [name, target] of Object.entries(targets)) {
      const text = await scrape(target);
      expect(text, name).toMatch(/^vcrypto_/m);
      const r = promtoolCheckMetrics(text);
      expect({ name, ok: r.ok, output: r.output }).toEqual({ name, ok: true, output: '' });
    }
  });
});
