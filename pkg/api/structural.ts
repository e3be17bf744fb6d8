// SPDX-License-Identifier: Apache-2.0
/**
 * Turns the JSON Schema that zod 4's `z.toJSONSchema` writes into a Kubernetes *structural*
 * OpenAPI v3 schema (apiextensions.k8s.io/v1): every node typed, no $ref/definitions, no
 * allOf/oneOf/not, anyOf only in the int-or-string form, no propertyNames or const,
 * `additionalProperties` only as a value schema, a description on every property. Anything it
 * does not know is refused with the path, so a new zod construct cannot slip into the CRD
 * unnoticed. Pure functions; knows nothing of our kinds.
 */
import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

export class StructuralSchemaError extends Error {
  constructor(path: string, what: string) {
    super(`${path}: ${what}`);
    this.name = 'StructuralSchemaError';
  }
}

/** Keys kept, in the order they are written (description first reads best in YAML). */
const KEY_ORDER = [
  'description', 'type', 'format', 'x-kubernetes-int-or-string', 'anyOf', 'enum', 'default',
  'minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'items', 'required', 'properties',
  'additionalProperties', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
];
/** Keys zod writes that Kubernetes has no use for. */
const DROPPED = new Set(['$schema', 'propertyNames']);
const SAFE = Number.MAX_SAFE_INTEGER;

function isObject(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intOrString(node: JsonSchema, path: string): JsonSchema {
  const branches = node['anyOf'] as JsonSchema[];
  const types = branches.map((b) => b['type']).sort();
  if (types.length !== 2 || types[0] !== 'integer' || types[1] !== 'string') {
    throw new StructuralSchemaError(path, 'anyOf is allowed only as integer-or-string');
  }
  const str = branches.find((b) => b['type'] === 'string') ?? {};
  const { anyOf: _anyOf, ...rest } = node;
  return {
    ...rest,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    ...(str['pattern'] !== undefined ? { pattern: str['pattern'] } : {}),
  };
}

function normalise(input: JsonSchema, path: string): JsonSchema {
  let node: JsonSchema = Object.fromEntries(Object.entries(input).filter(([k]) => !DROPPED.has(k)));
  for (const k of ['$ref', 'definitions', '$defs', 'allOf', 'oneOf', 'not', 'if', 'then', 'else']) {
    if (k in node) throw new StructuralSchemaError(path, `${k} has no place in a structural schema`);
  }
  if ('anyOf' in node) node = intOrString(node, path);
  if ('const' in node) {
    const { const: c, ...rest } = node;
    node = { ...rest, enum: [c] };
  }
  if (node['type'] === 'number' && Array.isArray(node['enum']) && node['enum'].every((v) => Number.isInteger(v))) node['type'] = 'integer';
  if (node['type'] === 'integer') {
    if (node['minimum'] === -SAFE) delete node['minimum'];
    if (node['maximum'] === SAFE) delete node['maximum'];
  }
  if (node['format'] === 'date-time') delete node['pattern'];
  if (node['additionalProperties'] === false) delete node['additionalProperties'];
  if (isObject(node['additionalProperties']) && Object.keys(node['additionalProperties']).length === 0) {
    throw new StructuralSchemaError(path, 'a loose object (unknown fields kept) must be replaced on purpose before conversion');
  }
  if (node['type'] === undefined && node['x-kubernetes-int-or-string'] !== true && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new StructuralSchemaError(path, 'every node needs a type');
  }
  return node;
}

function order(node: JsonSchema, path: string): JsonSchema {
  const unknown = Object.keys(node).filter((k) => !KEY_ORDER.includes(k));
  if (unknown.length > 0) throw new StructuralSchemaError(path, `unsupported keyword ${unknown.join(', ')}`);
  return Object.fromEntries(KEY_ORDER.filter((k) => k in node).map((k) => [k, node[k]]));
}

/**
 * Converts one zod-written JSON Schema node and everything below it. `path` names the node in
 * errors (`spec.backend`). Properties without a description are refused.
 */
export function toStructural(input: JsonSchema, path = '(root)'): JsonSchema {
  const node = normalise(input, path);
  const props = node['properties'];
  if (isObject(props)) {
    node['properties'] = Object.fromEntries(Object.entries(props).map(([name, child]) => {
      const childPath = path === '(root)' ? name : `${path}.${name}`;
      if (!isObject(child)) throw new StructuralSchemaError(childPath, 'not a schema');
      if (typeof child['description'] !== 'string' || child['description'] === '') throw new StructuralSchemaError(childPath, 'has no description (add .describe() to its zod schema)');
      return [name, toStructural(child, childPath)];
    }));
  }
  if (isObject(node['items'])) node['items'] = toStructural(node['items'], `${path}[]`);
  if (isObject(node['additionalProperties'])) node['additionalProperties'] = toStructural(node['additionalProperties'], `${path}.*`);
  return order(node, path);
}

/** The structural schema of a zod schema as a person writes it (defaulted fields optional). */
export function structuralSchemaOf(schema: z.ZodType, path?: string): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema, path);
}
