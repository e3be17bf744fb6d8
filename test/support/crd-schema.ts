// SPDX-License-Identifier: Apache-2.0
/**
 * What an API server does with a CRD's structural schema, as far as the tests need it without
 * one: walk every node, apply defaults to an object, and run the `x-kubernetes-validations`
 * rules (through cel-lite) on it, reporting failures by field path. Test support; knows nothing
 * of our kinds.
 */
import { evaluate, parseCel } from './cel-lite.js';

export type Node = { [key: string]: unknown };

export interface Visit {
  readonly path: string;
  readonly node: Node;
  /** Whether the node is a property of an object (so it needs a description). */
  readonly isProperty: boolean;
}

/** Every schema node with its path (`spec.tolerations[]`, `spec.nodeSelector.*`). */
export function walkSchema(node: Node, path = '', isProperty = false): Visit[] {
  const out: Visit[] = [{ path: path === '' ? '(root)' : path, node, isProperty }];
  for (const [name, child] of Object.entries((node['properties'] as Record<string, Node> | undefined) ?? {})) {
    out.push(...walkSchema(child, path === '' ? name : `${path}.${name}`, true));
  }
  if (node['items'] !== undefined) out.push(...walkSchema(node['items'] as Node, `${path}[]`));
  if (typeof node['additionalProperties'] === 'object') out.push(...walkSchema(node['additionalProperties'] as Node, `${path}.*`));
  for (const b of (node['anyOf'] as Node[] | undefined) ?? []) out.push(...walkSchema(b, `${path}(anyOf)`));
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Defaulting as the API server does it: a missing property with a default gets it, then descend. */
export function applyDefaults(node: Node, value: unknown): unknown {
  if (Array.isArray(value)) return node['items'] === undefined ? value : value.map((v) => applyDefaults(node['items'] as Node, v));
  if (!isMap(value)) return value;
  const out: Record<string, unknown> = { ...value };
  const props = (node['properties'] as Record<string, Node> | undefined) ?? {};
  for (const [name, child] of Object.entries(props)) {
    if (out[name] === undefined && child['default'] !== undefined) out[name] = structuredClone(child['default']);
    if (out[name] !== undefined) out[name] = applyDefaults(child, out[name]);
  }
  const values = node['additionalProperties'];
  if (typeof values === 'object' && values !== null) {
    for (const k of Object.keys(out)) if (!(k in props)) out[k] = applyDefaults(values as Node, out[k]);
  }
  return out;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

/** Runs every CEL rule on `value` (already defaulted); returns `path: message` per failed rule. */
export function failedRules(node: Node, value: unknown, path = ''): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const r of (node['x-kubernetes-validations'] as { rule: string; message: string; fieldPath?: string }[] | undefined) ?? []) {
    if (evaluate(parseCel(r.rule), { self: value }) !== true) {
      const at = (r.fieldPath ?? '').split('.').filter((p) => p !== '').reduce<string>((p, k) => join(p, k), path);
      out.push(`${at === '' ? '(root)' : at}: ${r.message}`);
    }
  }
  if (Array.isArray(value) && node['items'] !== undefined) value.forEach((v, i) => out.push(...failedRules(node['items'] as Node, v, join(path, i))));
  if (isMap(value)) {
    const props = (node['properties'] as Record<string, Node> | undefined) ?? {};
    for (const [k, v] of Object.entries(value)) {
      const child = props[k] ?? (typeof node['additionalProperties'] === 'object' ? (node['additionalProperties'] as Node) : undefined);
      if (child !== undefined) out.push(...failedRules(child, v, join(path, k)));
    }
  }
  return out;
}
