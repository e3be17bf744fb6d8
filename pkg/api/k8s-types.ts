// SPDX-License-Identifier: Apache-2.0
/**
 * zod schemas of the few core Kubernetes shapes our kinds embed: object metadata (loose: the API
 * server owns it), Toleration, ResourceRequirements with quantities, and Condition. Written from
 * the Kubernetes API reference with the API server's own cross-field checks on tolerations as
 * CEL rules. Knows nothing of vcrypto's kinds.
 */
import { z } from 'zod';
import { API_VERSION } from './names.js';
import { withCelRules } from './rules.js';

/** metadata is the API server's: we read name and labels and keep the rest as it is. */
export const ObjectMetaSchema = z
  .object({
    name: z.string().optional(),
    generation: z.number().int().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .loose();

/** The object envelope every kind of ours has: apiVersion, kind, metadata, spec, optional status. */
export function resourceSchema<const K extends string, Spec extends z.ZodType, Status extends z.ZodType>(kind: K, spec: Spec, status: Status) {
  return z.object({
    apiVersion: z.literal(API_VERSION).describe(API_VERSION),
    kind: z.literal(kind).describe(kind),
    metadata: ObjectMetaSchema,
    spec,
    status: status.optional(),
  });
}

/** A resource quantity (`100m`, `128Mi`, `2`, `1e3`): the grammar of k8s.io/apimachinery resource.Quantity. */
const QUANTITY = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?$/;
export const QuantitySchema = z
  .union([z.number().int(), z.string().regex(QUANTITY, 'must be a quantity like 100m, 128Mi or 2')])
  .describe('A Kubernetes resource quantity: an integer, or a string like 100m, 128Mi or 2.');

const TolerationBase = z.strictObject({
  key: z.string().max(316).optional().describe('The taint key the toleration applies to; empty matches every key (operator must then be Exists).'),
  operator: z.enum(['Exists', 'Equal']).optional().describe('How key and value are compared: Equal (the default) or Exists (any value).'),
  value: z.string().max(63).optional().describe('The taint value to match when operator is Equal; empty when operator is Exists.'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('The taint effect to match; empty matches every effect.'),
  tolerationSeconds: z.number().int().optional().describe('With effect NoExecute: how long the pod stays bound after the taint appears; unset means forever.'),
});

export const TolerationSchema = withCelRules(TolerationBase, [
  {
    rule: "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
    message: 'operator must be Exists when key is empty (it then matches every taint)',
    fieldPath: '.operator',
    holds: (t) => (t.key !== undefined && t.key !== '') || t.operator === 'Exists',
  },
  {
    rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
    message: 'value must be empty when operator is Exists',
    fieldPath: '.value',
    holds: (t) => t.operator !== 'Exists' || t.value === undefined || t.value === '',
  },
  {
    rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
    message: 'tolerationSeconds may be set only with effect NoExecute',
    fieldPath: '.tolerationSeconds',
    holds: (t) => t.tolerationSeconds === undefined || t.effect === 'NoExecute',
  },
]).describe('A Kubernetes Toleration: lets the node agent run on nodes with a matching taint.');
export type Toleration = z.output<typeof TolerationSchema>;

const ResourceListSchema = z.record(z.string(), QuantitySchema);

export const ResourceRequirementsSchema = z
  .strictObject({
    limits: ResourceListSchema.optional().describe('The most of each resource (cpu, memory, ...) the container may use.'),
    requests: ResourceListSchema.optional().describe('The amount of each resource the scheduler reserves for the container.'),
    claims: z
      .array(z.strictObject({
        name: z.string().min(1).describe('The name of one entry in the pod’s resourceClaims.'),
        request: z.string().optional().describe('The request within that claim to use; empty: all of them.'),
      }).describe('One dynamic resource claim the container uses.'))
      .optional()
      .describe('Dynamic resource claims (DRA) the container uses.'),
  })
  .describe('Kubernetes ResourceRequirements of the node-agent container.');
export type ResourceRequirements = z.output<typeof ResourceRequirementsSchema>;

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** A Kubernetes Condition (metav1.Condition) whose type is one of `types`. */
export function conditionSchema<const T extends readonly [string, ...string[]]>(types: T) {
  return z
    .object({
      type: z.enum(types).describe(`The aspect this condition describes: ${types.join(', ')}.`),
      status: z.enum(CONDITION_STATUSES).describe('True, False or Unknown.'),
      reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, 'must be a CamelCase reason like AllNodesReady').describe('A CamelCase word for why the condition has its status, for programs.'),
      message: z.string().max(32768).describe('Why the condition has its status, for people.'),
      lastTransitionTime: z.iso.datetime({ offset: true }).describe('When status last changed (RFC 3339).'),
      observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation the condition was computed from.'),
    })
    .describe('A standard Kubernetes condition.');
}
