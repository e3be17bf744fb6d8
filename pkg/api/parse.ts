// SPDX-License-Identifier: Apache-2.0
/**
 * Parsing at the boundary: parseDeviceSpec and friends run the zod schemas and turn every
 * failure into one line naming the field as written in YAML and what is allowed there. The
 * "allowed" text is read from the same structural schema the CRD carries, so the message and
 * the API server's bounds cannot drift apart. Knows nothing of files, clients or exit codes.
 */
import { z } from 'zod';
import { VirtioCryptoDeviceSchema, VirtioCryptoDeviceSpecSchema, type VirtioCryptoDevice, type VirtioCryptoDeviceSpec } from './device.js';
import { ApiValidationError, type FieldProblem } from './errors.js';
import { VirtioCryptoNodeStateSchema, type VirtioCryptoNodeState } from './node-state.js';
import { KINDS, openApiSchemaOf } from './crd.js';
import { DEVICE_KIND, NODE_STATE_KIND } from './names.js';
import { structuralSchemaOf, type JsonSchema } from './structural.js';

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
function kindSchema(kind: string): () => JsonSchema {
  return lazy(() => {
    const def = KINDS.find((k) => k.kind === kind);
    return def === undefined ? { type: 'object' } : openApiSchemaOf(def);
  });
}
const deviceSpecJson = lazy(() => structuralSchemaOf(VirtioCryptoDeviceSpecSchema));
const deviceJson = kindSchema(DEVICE_KIND);
const nodeStateJson = kindSchema(NODE_STATE_KIND);

function childOf(node: JsonSchema | undefined, key: PropertyKey): JsonSchema | undefined {
  if (node === undefined) return undefined;
  if (typeof key === 'number') return node['items'] as JsonSchema | undefined;
  const props = node['properties'] as Record<string, JsonSchema> | undefined;
  return props?.[String(key)] ?? (node['additionalProperties'] as JsonSchema | undefined);
}

function range(lo: unknown, hi: unknown, unit: string): string {
  if (lo === 1 && hi === undefined && unit !== '') return ', not empty';
  if (typeof lo === 'number' && typeof hi === 'number') return ` from ${lo} to ${hi}${unit}`;
  if (typeof lo === 'number') return ` of at least ${lo}${unit}`;
  if (typeof hi === 'number') return ` of at most ${hi}${unit}`;
  return '';
}

/** What a schema node allows, in words: "an integer from 0 to 256", "one of auto, software, kernel". */
export function describeAllowed(node: JsonSchema): string {
  if (Array.isArray(node['enum'])) return `one of ${node['enum'].map(String).join(', ')}`;
  if (node['x-kubernetes-int-or-string'] === true) return 'a quantity like 100m, 128Mi or 2';
  switch (node['type']) {
    case 'integer': return `an integer${range(node['minimum'], node['maximum'], '')}`;
    case 'number': return `a number${range(node['minimum'], node['maximum'], '')}`;
    case 'boolean': return 'true or false';
    case 'string': return node['format'] === 'date-time' ? 'an RFC 3339 time' : `a string${range(node['minLength'], node['maxLength'], ' characters')}`;
    case 'array': return `a list${range(node['minItems'], node['maxItems'], ' items')}`;
    case 'object': return node['additionalProperties'] !== undefined ? 'a map of names to values' : 'an object';
    default: return 'a value of the documented type';
  }
}

function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(root)' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function problemOf(issue: z.core.$ZodIssue, root: JsonSchema, prefix: string, input: unknown): FieldProblem[] {
  let node: JsonSchema | undefined = root;
  for (const key of issue.path) node = childOf(node, key);
  const allowed = node === undefined ? undefined : `must be ${describeAllowed(node)}`;
  const path = fieldPath(prefix, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = Object.keys((node?.['properties'] as object | undefined) ?? {});
      return issue.keys.map((k) => ({ path: fieldPath(prefix, [...issue.path, k]), message: `unknown field; allowed fields here: ${known.join(', ')}` }));
    }
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) return [{ path, message: `is required${allowed === undefined ? '' : ` and ${allowed}`}` }];
      return [{ path, message: allowed ?? issue.message }];
    case 'invalid_value':
      return [{ path, message: allowed !== undefined && Array.isArray(node?.['enum']) ? allowed : `must be one of ${issue.values.map(String).join(', ')}` }];
    case 'too_small':
    case 'too_big':
    case 'invalid_union':
      return [{ path, message: allowed ?? issue.message }];
    default:
      // invalid_format and custom carry our own words (a regex's message, a CEL rule's message).
      return [{ path, message: issue.message }];
  }
}

/**
 * Runs a schema; on failure throws ApiValidationError with one problem per bad field under
 * `prefix`, the allowed values read from `structural` (the schema's structural form).
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix: string, structural: () => JsonSchema): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const root = structural();
  throw new ApiValidationError(result.error.issues.flatMap((i) => problemOf(i, root, prefix, input)), { cause: result.error });
}

/** A VirtioCryptoDevice spec with every default filled in; problems are named `spec.<field>`. */
export function parseDeviceSpec(input: unknown): VirtioCryptoDeviceSpec {
  return parseWith(VirtioCryptoDeviceSpecSchema, input, 'spec', deviceSpecJson);
}

/** A whole VirtioCryptoDevice object (as read from the API server). */
export function parseDevice(input: unknown): VirtioCryptoDevice {
  return parseWith(VirtioCryptoDeviceSchema, input, '', deviceJson);
}

/** A whole VirtioCryptoNodeState object. */
export function parseNodeState(input: unknown): VirtioCryptoNodeState {
  return parseWith(VirtioCryptoNodeStateSchema, input, '', nodeStateJson);
}
