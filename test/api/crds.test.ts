// SPDX-License-Identifier: Apache-2.0
/**
 * The generated CRDs without an API server: crds/, the chart's crds/ and docs/api.md are what
 * `npm run gen:crds` writes today; each schema is structural the way apiextensions.k8s.io/v1
 * demands; every CEL rule parses and reads only fields that exist; and on sample objects the
 * CRD (its defaults, then its CEL rules) and pkg/api's zod schemas agree on what is refused and
 * on what a defaulted object looks like.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ApiValidationError, crdOf, GENERATE_COMMAND, generatedFiles, KINDS, nodeStateName, openApiSchemaOf, parseDevice, parseNodeState,
  type KindDefinition,
} from '../../pkg/api/index.js';
import { fieldPaths, parseCel } from '../support/cel-lite.js';
import { applyDefaults, failedRules, walkSchema, type Node } from '../support/crd-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FORBIDDEN = ['$ref', '$defs', 'definitions', 'allOf', 'oneOf', 'not', 'propertyNames', 'const', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource'];
const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

function kind(name: string): KindDefinition {
  const def = KINDS.find((k) => k.kind === name);
  if (def === undefined) throw new Error(`no kind ${name}`);
  return def;
}

/**
 * The schema node a field path names, relative to `node`; metadata exposes name and generateName
 * to CEL. `throughLists`: a JSONPath steps into list items (CEL cannot select on a list).
 */
function resolve(node: Node, path: readonly string[], where: string, throughLists = false): Node {
  let cur = node;
  for (const seg of path) {
    if (throughLists && cur['type'] === 'array') cur = cur['items'] as Node;
    const props = cur['properties'] as Record<string, Node> | undefined;
    const next = props?.[seg] ?? (cur['description']?.toString().startsWith('Standard object metadata') && (seg === 'name' || seg === 'generateName') ? { type: 'string' } : undefined);
    if (next === undefined) throw new Error(`${where}: no field ${seg} in ${path.join('.')}`);
    cur = next;
  }
  return cur;
}

function typeMatches(node: Node, v: unknown): boolean {
  switch (node['type']) {
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    default: return typeof v === node['type'];
  }
}

describe('generated files', () => {
  it(`are what ${GENERATE_COMMAND} writes`, () => {
    for (const f of generatedFiles()) {
      const path = join(ROOT, f.path);
      const onDisk = existsSync(path) ? readFileSync(path, 'utf8') : '';
      expect(onDisk === f.content, `${f.path} is stale: run ${GENERATE_COMMAND} and commit the result`).toBe(true);
    }
    expect(existsSync(join(ROOT, 'charts/vcrypto/crds/.gitkeep'))).toBe(false);
  });

  it('parse as the CRD objects, cluster scoped with a status subresource and names', () => {
    for (const def of KINDS) {
      const crd = parse(readFileSync(join(ROOT, 'crds', `vcrypto.dev_${def.plural}.yaml`), 'utf8')) as Node;
      expect(crd).toEqual(crdOf(def));
      const spec = crd['spec'] as { scope: string; names: { kind: string; shortNames: string[] }; versions: { subresources: unknown; storage: boolean }[] };
      expect(spec.scope).toBe('Cluster');
      expect(spec.versions).toHaveLength(1);
      expect(spec.versions[0]).toMatchObject({ subresources: { status: {} }, storage: true });
    }
    expect((crdOf(kind('VirtioCryptoDevice'))['spec'] as { names: { shortNames: string[] } }).names.shortNames).toContain('vcd');
  });
});

describe('structural schemas', () => {
  it.each(KINDS.map((k) => [k.kind, k] as const))('%s: every node typed, described, and in the structural subset', (_, def) => {
    const schema = openApiSchemaOf(def);
    const problems: string[] = [];
    for (const { path, node, isProperty } of walkSchema(schema)) {
      const intOrString = node['x-kubernetes-int-or-string'] === true;
      if (path.endsWith('(anyOf)')) {
        if (Object.keys(node).join() !== 'type') problems.push(`${path}: an anyOf branch may only name a type`);
        continue;
      }
      if (!intOrString && !TYPES.includes(String(node['type']))) problems.push(`${path}: no type`);
      if (node['anyOf'] !== undefined && !intOrString) problems.push(`${path}: anyOf outside int-or-string`);
      for (const k of FORBIDDEN) if (k in node) problems.push(`${path}: ${k}`);
      if (isProperty && (typeof node['description'] !== 'string' || node['description'].length < 3)) problems.push(`${path}: no description`);
      if (typeof node['additionalProperties'] === 'boolean') problems.push(`${path}: additionalProperties must be a schema`);
      if (node['properties'] !== undefined && node['additionalProperties'] !== undefined) problems.push(`${path}: properties and additionalProperties together`);
      const props = Object.keys((node['properties'] as object | undefined) ?? {});
      for (const r of (node['required'] as string[] | undefined) ?? []) if (!props.includes(r)) problems.push(`${path}: requires unknown ${r}`);
      if (node['type'] === 'object' && props.length === 0 && node['additionalProperties'] === undefined && path !== 'metadata') problems.push(`${path}: an object with no fields`);
      for (const e of (node['enum'] as unknown[] | undefined) ?? []) if (!typeMatches(node, e)) problems.push(`${path}: enum value ${String(e)} is not a ${String(node['type'])}`);
      if (node['default'] !== undefined) {
        const d = node['default'];
        if (!intOrString && !typeMatches(node, d)) problems.push(`${path}: default is not a ${String(node['type'])}`);
        if (Array.isArray(node['enum']) && !node['enum'].includes(d)) problems.push(`${path}: default not in enum`);
        if (typeof d === 'number' && ((typeof node['minimum'] === 'number' && d < node['minimum']) || (typeof node['maximum'] === 'number' && d > node['maximum']))) problems.push(`${path}: default out of range`);
      }
      // The API server compiles patterns with Go's RE2: no lookaround, no backreferences.
      if (typeof node['pattern'] === 'string' && /\(\?<?[=!]|\\[1-9]/.test(node['pattern'])) problems.push(`${path}: pattern is not RE2`);
      if (node['x-kubernetes-list-type'] === 'map') {
        const items = node['items'] as Node;
        const req = (items['required'] as string[] | undefined) ?? [];
        for (const key of node['x-kubernetes-list-map-keys'] as string[]) if (!req.includes(key)) problems.push(`${path}: map key ${key} is not required`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps metadata as the API server’s and the root as apiVersion, kind, metadata, spec, status', () => {
    for (const def of KINDS) {
      const schema = openApiSchemaOf(def);
      expect(Object.keys(schema['properties'] as object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
      expect((schema['properties'] as Record<string, Node>)['metadata']).toEqual({ description: expect.any(String), type: 'object' });
    }
  });

  it('has printer columns that read fields the schema has', () => {
    for (const def of KINDS) {
      const schema = openApiSchemaOf(def);
      for (const c of def.printerColumns) {
        const path = c.jsonPath.replace(/\[\?\(.*?\)\]/g, '').split('.').filter((p) => p !== '');
        if (path[0] === 'metadata') continue;
        expect(() => resolve(schema, path, `${def.kind} column ${c.name}`, true)).not.toThrow();
      }
    }
    expect(kind('VirtioCryptoDevice').printerColumns.map((c) => c.name)).toEqual(expect.arrayContaining(['Ready nodes', 'Slots', 'Healthy', 'Backend', 'Age']));
  });
});

describe('CEL rules', () => {
  const all = KINDS.flatMap((def) => walkSchema(openApiSchemaOf(def)).flatMap(({ path, node }) =>
    ((node['x-kubernetes-validations'] as { rule: string; message: string; fieldPath?: string }[] | undefined) ?? []).map((r) => ({ kind: def.kind, path, node, ...r }))));

  it('exist for the cross-field checks', () => {
    expect(all.map((r) => `${r.kind} ${r.path}`)).toEqual(expect.arrayContaining(['VirtioCryptoDevice spec.backend', 'VirtioCryptoDevice spec.tolerations[]', 'VirtioCryptoNodeState (root)']));
  });

  it.each(all.map((r) => [`${r.kind} ${r.path}: ${r.rule}`, r] as const))('%s parses and reads only fields that exist', (_, r) => {
    const ast = parseCel(r.rule);
    const paths = fieldPaths(ast);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) resolve(r.node, p, r.rule);
    if (r.fieldPath !== undefined) resolve(r.node, r.fieldPath.split('.').filter((s) => s !== ''), `fieldPath ${r.fieldPath}`);
    expect(r.message.length).toBeGreaterThan(10);
  });

  it('refuses a rule that reads a field the schema lacks (the check above can fail)', () => {
    const backend = resolve(openApiSchemaOf(kind('VirtioCryptoDevice')), ['spec', 'backend'], 'backend');
    expect(() => fieldPaths(parseCel('self.kernelDrivr == "x"')).forEach((p) => resolve(backend, p, 'typo'))).toThrow(/no field kernelDrivr/);
    expect(() => parseCel("self.type in ['a'")).toThrow();
    expect(() => fieldPaths(parseCel('self.type.lowerAscii() == "x"'))).toThrow(/not known/);
  });
});

describe('the CRD and the zod schemas agree', () => {
  const example = parse(readFileSync(join(ROOT, 'examples/virtiocryptodevice.yaml'), 'utf8')) as Node & { spec: Node };
  const celMessages = new Set(KINDS.flatMap((def) => walkSchema(openApiSchemaOf(def)).flatMap(({ node }) =>
    ((node['x-kubernetes-validations'] as { message: string }[] | undefined) ?? []).map((r) => r.message))));

  const deviceWith = (spec: Node, name = 'pool-a'): Node => ({ ...example, metadata: { name }, spec: { ...example.spec, ...spec } });
  const devices: Node[] = [example];
  const opt = <T,>(...values: T[]): (T | undefined)[] => [undefined, ...values];
  for (const key of opt('', 'k')) for (const operator of opt('Exists', 'Equal')) for (const value of opt('', 'v')) for (const effect of opt('NoExecute', 'NoSchedule')) for (const tolerationSeconds of opt(30)) {
    const t = Object.fromEntries(Object.entries({ key, operator, value, effect, tolerationSeconds }).filter(([, v]) => v !== undefined));
    devices.push(deviceWith({ tolerations: [t] }));
  }
  for (const type of ['auto', 'software', 'kernel', undefined]) for (const kernelDriver of opt('qat_aes_cbc')) {
    devices.push(deviceWith({ backend: Object.fromEntries(Object.entries({ type, kernelDriver }).filter(([, v]) => v !== undefined)) }));
  }
  for (let bits = 0; bits < 32; bits++) {
    devices.push(deviceWith({ services: Object.fromEntries(['cipher', 'hash', 'mac', 'aead', 'akcipher'].map((s, i) => [s, (bits & (1 << i)) !== 0])) }));
  }
  for (const resourceName of ['example.com/crypto', 'kubernetes.io/crypto', 'x.kubernetes.io/crypto', 'requests.example.com/crypto']) devices.push(deviceWith({ resourceName }));
  for (const name of ['a', 'pool-1', 'a.b', 'Pool', '-a', 'a'.repeat(40), 'a'.repeat(41)]) devices.push(deviceWith({}, name));

  const stateOf = (name: string, pool: string, nodeName: string): Node => ({ apiVersion: 'vcrypto.dev/v1alpha1', kind: 'VirtioCryptoNodeState', metadata: { name }, spec: { pool, nodeName } });
  const states = [stateOf(nodeStateName('p', 'n1'), 'p', 'n1'), stateOf('p-n2', 'p', 'n1'), stateOf('p', 'p', 'n1')];

  function zodSays(parseFn: (x: unknown) => unknown, obj: Node): { problems: string[]; out?: unknown } {
    try {
      return { problems: [], out: parseFn(obj) };
    } catch (e: unknown) {
      if (!(e instanceof ApiValidationError)) throw e;
      return { problems: e.problems.filter((p) => celMessages.has(p.message)).map((p) => `${p.path}: ${p.message}`) };
    }
  }

  it.each([
    ['VirtioCryptoDevice', devices, parseDevice],
    ['VirtioCryptoNodeState', states, parseNodeState],
  ] as const)('%s: the same objects are refused for the same reasons, and defaults match', (name, samples, parseFn) => {
    const schema = openApiSchemaOf(kind(name));
    let refused = 0;
    for (const obj of samples) {
      const defaulted = applyDefaults(schema, obj);
      const cel = failedRules(schema, defaulted).sort();
      const zod = zodSays(parseFn, obj);
      expect(zod.problems.sort(), JSON.stringify(obj)).toEqual(cel);
      if (zod.out !== undefined) expect(defaulted, JSON.stringify(obj)).toEqual(zod.out);
      if (cel.length > 0) refused++;
    }
    // Both outcomes were exercised.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(samples.length);
  });
});
