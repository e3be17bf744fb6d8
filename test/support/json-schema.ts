// SPDX-License-Identifier: Apache-2.0
/**
 * Checks a value against the JSON Schema keywords charts/vcrypto/values.schema.json uses (type,
 * required, properties, additionalProperties, enum, minimum, maximum, minLength, pattern) and
 * returns readable errors naming the path. Test support; anything else in a schema is refused.
 */
type Schema = Record<string, unknown>;
const KNOWN = new Set(['$schema', 'title', 'description', 'type', 'required', 'properties', 'additionalProperties', 'enum', 'minimum', 'maximum', 'minLength', 'pattern']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function checkJsonSchema(schema: Schema, value: unknown, path = ''): string[] {
  const errs: string[] = [];
  const at = path || '(root)';
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} at ${at} is not supported by this checker`);
  const t = schema['type'] as string | undefined;
  const vt = typeOf(value);
  if (t !== undefined && !(t === vt || (t === 'number' && vt === 'integer'))) return [`${at}: expected ${t}, got ${vt}`];
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(value)) errs.push(`${at}: must be one of ${(schema['enum'] as unknown[]).join(', ')}`);
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) errs.push(`${at}: must be >= ${schema['minimum']}`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) errs.push(`${at}: must be <= ${schema['maximum']}`);
  }
  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength']) errs.push(`${at}: must not be empty`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern']).test(value)) errs.push(`${at}: must match ${schema['pattern']}`);
  }
  if (vt === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const r of (schema['required'] ?? []) as string[]) if (!(r in obj)) errs.push(`${path ? path + '.' : ''}${r}: is required`);
    for (const [k, v] of Object.entries(obj)) {
      const p = path ? `${path}.${k}` : k;
      if (props[k] !== undefined) errs.push(...checkJsonSchema(props[k], v, p));
      else if (schema['additionalProperties'] === false) errs.push(`${p}: is not a known setting`);
      else if (typeof schema['additionalProperties'] === 'object') errs.push(...checkJsonSchema(schema['additionalProperties'] as Schema, v, p));
    }
  }
  return errs;
}
