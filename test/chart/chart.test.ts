// SPDX-License-Identifier: Apache-2.0
/**
 * Renders charts/vcrypto with the project's minimal renderer and checks the objects: every
 * document parses, kinds and names are what Kubernetes and the Prometheus operator expect, the
 * dashboard ConfigMap carries grafana_dashboard: "1" and valid JSON, every core object matches its
 * Kubernetes API type (client-node's models), alerts name metrics the code exports, values.yaml satisfies values.schema.json, and the chart's CRDs equal crds/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderChart, type RenderedObject } from '../support/helm-render.js';
import { checkJsonSchema } from '../support/json-schema.js';
import { checkK8sModel } from '../support/k8s-model-check.js';
import { OPERATOR_FLAG_OPTIONS } from '../../cmd/operator/flags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(ROOT, 'charts/vcrypto');
const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;

function render(v: unknown = values): RenderedObject[] {
  return renderChart(CHART, v);
}

describe('charts/vcrypto', () => {
  it('renders the operator, monitors, alerts and dashboard with the default values', () => {
    const kinds = render().map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual(expect.arrayContaining([
      'ConfigMap/vcrypto-dashboard', 'Deployment/vcrypto-operator', 'PodMonitor/vcrypto-agent', 'PrometheusRule/vcrypto',
      'Service/vcrypto-operator-metrics', 'ServiceAccount/vcrypto-agent', 'ServiceAccount/vcrypto-operator', 'ServiceMonitor/vcrypto-operator',
    ]));
    const dep = render().find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { containers: { args: string[] }[] } } } };
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.containers[0]!.args).toContain('--leader-election-namespace=vcrypto-system');
  });

  it('renders core objects that match their Kubernetes API types field by field', () => {
    const core: Record<string, string> = {
      'apps/v1 Deployment': 'V1Deployment', 'v1 Service': 'V1Service', 'v1 ServiceAccount': 'V1ServiceAccount', 'v1 ConfigMap': 'V1ConfigMap',
      'rbac.authorization.k8s.io/v1 ClusterRole': 'V1ClusterRole', 'rbac.authorization.k8s.io/v1 ClusterRoleBinding': 'V1ClusterRoleBinding',
      'rbac.authorization.k8s.io/v1 Role': 'V1Role', 'rbac.authorization.k8s.io/v1 RoleBinding': 'V1RoleBinding',
    };
    const objects = render();
    const checked = objects.filter((o) => core[`${o.apiVersion} ${o.kind}`] !== undefined);
    // Everything else is a Prometheus-operator kind (checked by test/dashboard: wiring and promtool).
    expect(objects.filter((o) => core[`${o.apiVersion} ${o.kind}`] === undefined).map((o) => o.kind).sort()).toEqual(['PodMonitor', 'PrometheusRule', 'ServiceMonitor']);
    expect(checked.length).toBeGreaterThanOrEqual(8);
    for (const o of checked) expect(checkK8sModel(o, core[`${o.apiVersion} ${o.kind}`]!), `${o.kind}/${o.metadata.name}`).toEqual([]);
    // The check catches a misspelt field and a wrong type.
    const dep = JSON.parse(JSON.stringify(checked.find((o) => o.kind === 'Deployment'))) as { spec: Record<string, unknown> };
    dep.spec['replica'] = 2;
    dep.spec['revisionHistoryLimit'] = 'ten';
    expect(checkK8sModel(dep, 'V1Deployment')).toEqual(['spec.replica: no such field in V1DeploymentSpec', 'spec.revisionHistoryLimit: expected a number, got "ten"']);
  });

  it('passes the operator only flags it has, with the agent settings from values', () => {
    const v = { ...values, agent: { ...(values['agent'] as object), stateDir: '/srv/vcrypto', devicePluginDir: '/srv/kubelet/device-plugins', metricsPort: 9999 } };
    const dep = render(v).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = dep.spec.template.spec.containers[0]!.args;
    expect(args[0]).toBe('operator');
    for (const a of args.slice(1)) expect(Object.keys(OPERATOR_FLAG_OPTIONS), a).toContain(/^--([a-z-]+)/.exec(a)?.[1]);
    expect(args).toEqual(expect.arrayContaining(['--agent-state-dir=/srv/vcrypto', '--agent-device-plugin-dir=/srv/kubelet/device-plugins', '--agent-metrics-port=9999', '--namespace=vcrypto-system']));
  });

  it("gives the agents the operator's own image unless agent.image names another", () => {
    type Dep = { spec: { template: { spec: { containers: { image: string; args: string[]; env: { name: string; value?: string }[] }[] } } } };
    const op = (v: unknown): Dep['spec']['template']['spec']['containers'][0] => (render(v).find((o) => o.kind === 'Deployment') as unknown as Dep).spec.template.spec.containers[0]!;
    const byDefault = op(values);
    expect(byDefault.env.find((e) => e.name === 'VCRYPTO_AGENT_IMAGE')?.value).toBe(byDefault.image);
    expect(byDefault.args.some((a) => a.startsWith('--agent-image'))).toBe(false);
    const other = op({ ...values, agent: { ...(values['agent'] as object), image: 'registry.example/vcrypto-agent:1' } });
    expect(other.args).toContain('--agent-image=registry.example/vcrypto-agent:1');
  });

  it('ships the dashboard as JSON in a ConfigMap Grafana’s sidecar picks up', () => {
    const cm = render().find((o) => o.kind === 'ConfigMap') as unknown as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    expect(cm.metadata.labels['grafana_dashboard']).toBe('1');
    const dash = JSON.parse(cm.data['vcrypto.json']!) as { panels: { targets?: { expr: string }[] }[] };
    expect(dash.panels.length).toBeGreaterThanOrEqual(10);
    for (const p of dash.panels) for (const t of p.targets ?? []) expect(t.expr).toMatch(/vcrypto_/);
  });

  it('leaves monitoring objects out when switched off', () => {
    const off = { ...values, monitoring: { ...(values['monitoring'] as object), serviceMonitor: false, podMonitor: false, prometheusRule: false, dashboard: false } };
    expect(render(off).map((o) => o.kind)).not.toContain('PrometheusRule');
    expect(render(off).map((o) => o.kind)).not.toContain('ConfigMap');
  });

  it('keeps Prometheus template braces in alert annotations', () => {
    const rule = render().find((o) => o.kind === 'PrometheusRule') as unknown as { spec: { groups: { rules: { alert: string; annotations: { description: string } }[] }[] } };
    const rules = rule.spec.groups[0]!.rules;
    expect(rules.map((r) => r.alert)).toEqual(['VcryptoPoolDegraded', 'VcryptoSlotsUnhealthy', 'VcryptoDeviceRestarting', 'VcryptoFallingBackToSoftware']);
    expect(rules[1]!.annotations.description).toContain('{{ $labels.pool }}');
  });

  it('accepts its default values and refuses bad ones against values.schema.json', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
    expect(checkJsonSchema(schema, values)).toEqual([]);
    const bad = { ...values, operator: { ...(values['operator'] as object), replicas: 0 } };
    expect(checkJsonSchema(schema, bad)[0]).toMatch(/operator\.replicas/);
  });

  it('carries the same CRDs as crds/', () => {
    const top = existsSync(join(ROOT, 'crds')) ? readdirSync(join(ROOT, 'crds')).filter((f) => f.endsWith('.yaml')).sort() : [];
    const inChart = readdirSync(join(CHART, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
    expect(inChart).toEqual(top);
    for (const f of top) expect(readFileSync(join(CHART, 'crds', f), 'utf8')).toBe(readFileSync(join(ROOT, 'crds', f), 'utf8'));
  });
});
