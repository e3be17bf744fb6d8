// SPDX-License-Identifier: Apache-2.0
/**
 * Every key in the generated CRDs is a field of the Kubernetes API type at that place, as
 * @kubernetes/client-node's generated models declare them (V1CustomResourceDefinition down to
 * V1JSONSchemaProps and V1ValidationRule), so a misspelt keyword cannot reach a cluster, where the
 * API server would drop it or refuse the CRD. Reads the models' type maps only; no client.
 */
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { crdOf, KINDS } from '../../pkg/api/index.js';

type AttributeMap = { baseName: string; type: string }[];
type Model = { getAttributeTypeMap(): AttributeMap };

function model(name: string): Model | undefined {
  const m = (k8s as unknown as Record<string, unknown>)[name] as Partial<Model> | undefined;
  return typeof m?.getAttributeTypeMap === 'function' ? (m as Model) : undefined;
}

/** Keys the model does not have, as paths; `type` is the model's type string for `value`. */
function unknownKeys(value: unknown, type: string, path: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return (value as unknown[]).flatMap((v, i) => unknownKeys(v, array[1]!, `${path}[${i}]`));
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return Object.entries(value).flatMap(([k, v]) => unknownKeys(v, map[1]!, `${path}.${k}`));
  const m = model(type);
  if (m === undefined) return [];
  const attrs = m.getAttributeTypeMap();
  return Object.entries(value).flatMap(([k, v]) => {
    const attr = attrs.find((a) => a.baseName === k);
    if (attr === undefined) return [`${path}.${k} (not a field of ${type})`];
    // items and additionalProperties are typed `any` (they may be booleans); ours are schemas.
    const t = type === 'V1JSONSchemaProps' && (k === 'items' || k === 'additionalProperties') ? 'V1JSONSchemaProps' : attr.type;
    return unknownKeys(v, t, `${path}.${k}`);
  });
}

describe('generated CRDs against the Kubernetes API types', () => {
  it('knows the models it walks', () => {
    for (const name of ['V1CustomResourceDefinition', 'V1JSONSchemaProps', 'V1ValidationRule', 'V1CustomResourceColumnDefinition']) expect(model(name), name).toBeDefined();
    expect(unknownKeys({ spec: { versions: [{ schema: { openAPIV3Schema: { properties: { a: { typo: 1 } } } } }] } }, 'V1CustomResourceDefinition', ''))
      .toEqual(['.spec.versions[0].schema.openAPIV3Schema.properties.a.typo (not a field of V1JSONSchemaProps)']);
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))('%s uses only fields of V1CustomResourceDefinition', (_, def) => {
    expect(unknownKeys(crdOf(def), 'V1CustomResourceDefinition', '')).toEqual([]);
  });
});
