// SPDX-License-Identifier: Apache-2.0
/**
 * Least privilege, checked: runs every API call path of the operator and the agent
 * (runOperatorScenario) against the FAKE API server, which logs who called which verb on which
 * resource, and compares with the chart's RBAC as rendered: every call is allowed for its
 * ServiceAccount (with the right scope: cluster-wide through a ClusterRoleBinding, the release
 * namespace through a RoleBinding, resourceNames honoured), and every rule is used by some call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { AGENT_NAMESPACE, LEASE_NAME, newFakeApiServer, runOperatorScenario } from '../integration/operator-support.js';
import { renderTemplate } from '../support/helm-render.js';
import type { FakeRequestRecord } from '../support/fake-apiserver/index.js';

const CHART = fileURLToPath(new URL('../../charts/vcrypto/', import.meta.url));

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
}
/** A rule as granted to one ServiceAccount: undefined namespace means cluster-wide. */
interface Grant {
  readonly rule: Rule;
  readonly namespace: string | undefined;
  readonly where: string;
}

function renderRbac(): RbacObject[] {
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { operator: { leaseName: string } };
  const ctx = { Values: values, Release: { Name: 'vc', Namespace: AGENT_NAMESPACE }, Chart: parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>, chartDir: CHART };
  expect(values.operator.leaseName).toBe(LEASE_NAME);
  return ['operator-rbac.yaml', 'agent-rbac.yaml'].flatMap((f) => parseAllDocuments(renderTemplate(readFileSync(join(CHART, 'templates', f), 'utf8'), ctx)).map((d) => d.toJS() as RbacObject));
}

function grantsOf(objects: RbacObject[], serviceAccount: string): Grant[] {
  const out: Grant[] = [];
  for (const b of objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')) {
    if (!(b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === AGENT_NAMESPACE)) continue;
    const role = objects.find((o) => o.kind === b.roleRef?.kind && o.metadata.name === b.roleRef.name);
    if (role === undefined) throw new Error(`${b.kind} ${b.metadata.name} refers to a missing ${b.roleRef?.kind} ${b.roleRef?.name}`);
    const namespace = b.kind === 'RoleBinding' ? b.metadata.namespace : undefined;
    for (const rule of role.rules ?? []) out.push({ rule, namespace, where: `${role.kind} ${role.metadata.name}` });
  }
  return out;
}

function allows(g: Grant, r: FakeRequestRecord): boolean {
  return g.rule.apiGroups.includes(r.group) && g.rule.resources.includes(r.resource) && g.rule.verbs.includes(r.verb)
    && (g.namespace === undefined || g.namespace === r.namespace)
    && (g.rule.resourceNames === undefined || (r.name !== undefined && g.rule.resourceNames.includes(r.name)));
}

const fmt = (r: FakeRequestRecord): string => `${r.verb} ${r.group === '' ? '' : r.group + '/'}${r.resource}${r.namespace !== undefined ? ` in ${r.namespace}` : ''}${r.name !== undefined ? ` (${r.name})` : ''}`;

describe('chart RBAC against what the code calls', () => {
  const fake = newFakeApiServer();
  const objects = renderRbac();
  beforeAll(async () => {
    await fake.start();
    await runOperatorScenario(fake);
  }, 60_000);
  afterAll(() => fake.stop());

  for (const [user, serviceAccount] of [['operator', 'vcrypto-operator'], ['agent', 'vcrypto-agent']] as const) {
    it(`${serviceAccount}: every call is allowed and every rule is used`, () => {
      const calls = fake.requests.filter((r) => r.user === user);
      expect(calls.length).toBeGreaterThan(0);
      const grants = grantsOf(objects, serviceAccount);
      const missing = [...new Set(calls.filter((c) => !grants.some((g) => allows(g, c))).map(fmt))];
      expect(missing, 'calls the chart does not allow').toEqual([]);
      const unused: string[] = [];
      for (const g of grants) {
        for (const resource of g.rule.resources) {
          for (const verb of g.rule.verbs) {
            const narrowed: Grant = { ...g, rule: { ...g.rule, resources: [resource], verbs: [verb] } };
            if (!calls.some((c) => allows(narrowed, c))) unused.push(`${g.where}: ${verb} ${resource}${g.rule.resourceNames !== undefined ? ` (${g.rule.resourceNames.join(',')})` : ''}`);
          }
        }
      }
      expect(unused, 'rules no code path uses').toEqual([]);
    });
  }
});
