// SPDX-License-Identifier: Apache-2.0
/**
 * Cross-field rules written once and enforced twice: as a CEL expression the API server runs
 * (`x-kubernetes-validations` in the generated CRD) and as the same check in TypeScript that zod
 * runs in parseDeviceSpec, so a spec the agent accepts from a file is one the API server accepts.
 * Also the list shapes Kubernetes knows (`x-kubernetes-list-type` set and map) with their
 * uniqueness check. Knows zod and CEL text; nothing of the kinds that use it.
 */
import { z } from 'zod';

export interface CelRule<T> {
  /** CEL, evaluated by the API server with `self` bound to the value the rule is attached to. */
  readonly rule: string;
  /** What the API server and parseDeviceSpec say when the rule fails. */
  readonly message: string;
  /** The field the message is about, relative to `self` (`.kernelDriver`); omitted: `self` itself. */
  readonly fieldPath?: string;
  /** The same rule in TypeScript, run by zod on the parsed value (defaults applied, as the API server does). */
  readonly holds: (self: T) => boolean;
}

/** The CRD form of a rule. */
export interface CrdValidationRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
}

function metaOf(schema: z.ZodType): Record<string, unknown> {
  return { ...(z.globalRegistry.get(schema) ?? {}) };
}

function pathOf(fieldPath: string | undefined): string[] {
  return fieldPath === undefined ? [] : fieldPath.split('.').filter((p) => p !== '');
}

/** Attaches CEL rules to a schema: CRD metadata plus a zod refinement running `holds`. */
export function withCelRules<S extends z.ZodType>(schema: S, rules: readonly CelRule<z.output<S>>[]): S {
  const crdRules: CrdValidationRule[] = rules.map(({ rule, message, fieldPath }) => (fieldPath === undefined ? { rule, message } : { rule, message, fieldPath }));
  const existing = metaOf(schema)['x-kubernetes-validations'];
  const all = [...(Array.isArray(existing) ? (existing as CrdValidationRule[]) : []), ...crdRules];
  const checked = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (!r.holds(value)) ctx.addIssue({ code: 'custom', message: r.message, path: pathOf(r.fieldPath), input: value });
    }
  });
  return checked.meta({ ...metaOf(schema), 'x-kubernetes-validations': all }) as S;
}

/** A list whose items are unique (`x-kubernetes-list-type: set`). */
export function setList<T extends z.ZodType<string | number>>(item: T): z.ZodArray<T> {
  return z.array(item)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((v, i) => {
        if (seen.has(v)) ctx.addIssue({ code: 'custom', message: `duplicate entry ${JSON.stringify(v)}: entries must be unique`, path: [i], input: v });
        seen.add(v);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'set' });
}

/** A list of objects keyed by one field (`x-kubernetes-list-type: map`): one item per key. */
export function mapList<T extends z.ZodObject, K extends keyof z.output<T> & string>(item: T, key: K): z.ZodArray<T> {
  return z.array(item)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((v: z.output<T>, i) => {
        const k = v[key];
        if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `duplicate ${key} ${JSON.stringify(k)}: one entry per ${key}`, path: [i, key], input: v });
        seen.add(k);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });
}
