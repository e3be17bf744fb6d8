// SPDX-License-Identifier: Apache-2.0
/**
 * Checks a plain object (a rendered manifest) against the Kubernetes API types as
 * @kubernetes/client-node's generated models describe them (each model's attributeTypeMap,
 * generated from the Kubernetes OpenAPI): every field must exist on its type and hold a value of
 * that type, recursively. It does not know required fields or value formats: the API server's
 * own validation stays the last word. Test support only; pkg/k8s stays the only client-node
 * importer of the product code.
 */
import * as k8s from '@kubernetes/client-node';

type Attribute = { readonly baseName: string; readonly type: string };
type Model = { getAttributeTypeMap(): Attribute[] };

function modelOf(type: string): Model | undefined {
  const m = (k8s as unknown as Record<string, unknown>)[type];
  return typeof m === 'function' && 'getAttributeTypeMap' in m ? (m as unknown as Model) : undefined;
}

/** Problems of `value` as a `type` (a model name like V1Deployment, or a primitive), each with its path. */
export function checkK8sModel(value: unknown, type: string, path = ''): string[] {
  const at = path === '' ? '(root)' : path;
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    if (!Array.isArray(value)) return [`${at}: expected a list of ${array[1]}`];
    return value.flatMap((v, i) => checkK8sModel(v, array[1]!, `${path}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected a map of ${map[1]}`];
    return Object.entries(value).flatMap(([k, v]) => checkK8sModel(v, map[1]!, `${path}.${k}`));
  }
  switch (type) {
    case 'any':
      return [];
    case 'string':
    case 'Date':
      return typeof value === 'string' ? [] : [`${at}: expected a string, got ${JSON.stringify(value)}`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: expected a number, got ${JSON.stringify(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: expected true or false, got ${JSON.stringify(value)}`];
    case 'IntOrString':
      return typeof value === 'number' || typeof value === 'string' ? [] : [`${at}: expected a number or a string`];
  }
  const model = modelOf(type);
  if (model === undefined) return [`${at}: no model ${type} in @kubernetes/client-node`];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected an object (${type})`];
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const t = fields.get(k);
    if (t === undefined) return [`${path === '' ? '' : path + '.'}${k}: no such field in ${type}`];
    return checkK8sModel(v, t, path === '' ? k : `${path}.${k}`);
  });
}
