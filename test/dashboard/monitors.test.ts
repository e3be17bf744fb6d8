// SPDX-License-Identifier: Apache-2.0
/**
 * The chart's ServiceMonitor and PodMonitor find what they are meant to scrape: the operator's
 * Service selects the operator pods and exposes their `metrics` port; the PodMonitor selects the
 * node-agent pods that the operator creates (pkg/controllers desiredObjects, with the settings
 * the operator reads from the rendered Deployment's args and env through its own flag parser),
 * in their namespace, on a container port that the agent serves /metrics on. Checked with the
 * default values and with a different release namespace and agent metrics port. No Prometheus.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPERATOR_FLAG_OPTIONS, OperatorFlagsSchema, resolveOperatorConfig } from '../../cmd/operator/flags.js';
import { parseFlags } from '../../cmd/internal/flags.js';
import { parseDevice } from '../../pkg/api/index.js';
import { desiredObjects } from '../../pkg/controllers/virtiocryptodevice/desired.js';
import { renderChart, type RenderedObject } from '../support/helm-render.js';

const CHART = fileURLToPath(new URL('../../charts/vcrypto', import.meta.url));
const defaults = parse(readFileSync(`${CHART}/values.yaml`, 'utf8')) as { agent: Record<string, unknown> } & Record<string, unknown>;

interface Container {
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name: string; containerPort: number }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[] };
}

const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);
const find = (objects: RenderedObject[], kind: string): RenderedObject => {
  const o = objects.find((x) => x.kind === kind);
  if (o === undefined) throw new Error(`the chart renders no ${kind}`);
  return o;
};

/** What the operator container's environment holds in a pod of `namespace` (field refs resolved). */
function podEnv(c: Container, namespace: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = 'vcrypto-operator-abc12';
  }
  return env;
}

for (const [what, namespace, agentPort] of [['default values', 'vcrypto-system', undefined], ['another namespace and agent port', 'crypto-ops', 9555]] as const) {
  describe(`the chart's monitors with ${what}`, () => {
    const values = agentPort === undefined ? defaults : { ...defaults, agent: { ...defaults.agent, metricsPort: agentPort } };
    const objects = renderChart(CHART, values, { Name: 'vc', Namespace: namespace });
    const deployment = find(objects, 'Deployment') as unknown as RenderedObject & { spec: { template: PodTemplate } };
    const operatorPod = deployment.spec.template;

    it('ServiceMonitor → Service → operator pods on their metrics port', () => {
      const sm = find(objects, 'ServiceMonitor') as unknown as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] } };
      const service = objects.find((o) => o.kind === 'Service' && matches(sm.spec.selector.matchLabels, o.metadata.labels ?? {})) as unknown as
        | { metadata: { namespace: string }; spec: { selector: Record<string, string>; ports: { name: string; targetPort: string | number }[] } }
        | undefined;
      expect(service, 'a Service the ServiceMonitor selects').toBeDefined();
      expect(service!.metadata.namespace).toBe(namespace);
      expect(matches(service!.spec.selector, operatorPod.metadata.labels)).toBe(true);
      const port = service!.spec.ports.find((p) => p.name === sm.spec.endpoints[0]?.port);
      expect(port, 'the Service port the ServiceMonitor names').toBeDefined();
      expect(operatorPod.spec.containers[0]!.ports?.map((p) => p.name)).toContain(port!.targetPort);
    });

    it('PodMonitor → the agent pods the operator creates, in their namespace, on the port the agent serves', () => {
      const c = operatorPod.spec.containers[0]!;
      const [sub, ...args] = c.args;
      expect(sub).toBe('operator');
      const config = resolveOperatorConfig(parseFlags(args, OPERATOR_FLAG_OPTIONS, OperatorFlagsSchema), podEnv(c, namespace));
      const pool = parseDevice({ apiVersion: 'vcrypto.dev/v1alpha1', kind: 'VirtioCryptoDevice', metadata: { name: 'fast', uid: 'u-1', generation: 1 }, spec: { slotsPerNode: 1 } });
      const { daemonSet } = desiredObjects(pool, {
        namespace: config.namespace, image: config.agentImage, serviceAccountName: config.agentServiceAccount,
        stateDir: config.agentStateDir, devicePluginDir: config.agentDevicePluginDir, metricsPort: config.agentMetricsPort,
      });
      const agentPod = (daemonSet as unknown as { spec: { template: PodTemplate } }).spec.template;
      const pm = find(objects, 'PodMonitor') as unknown as { spec: { namespaceSelector: { matchNames: string[] }; selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] } };
      expect(pm.spec.namespaceSelector.matchNames).toContain(daemonSet.metadata.namespace);
      expect(matches(pm.spec.selector.matchLabels, agentPod.metadata.labels)).toBe(true);
      const agent = agentPod.spec.containers[0]!;
      const port = agent.ports?.find((p) => p.name === pm.spec.podMetricsEndpoints[0]?.port);
      expect(port, 'the agent container port the PodMonitor names').toBeDefined();
      // The agent serves /metrics on --health-port, and the chart's agent.metricsPort is that port.
      expect(agent.args).toContain(`--health-port=${port!.containerPort}`);
      expect(port!.containerPort).toBe(values.agent['metricsPort']);
    });
  });
}
