// SPDX-License-Identifier: Apache-2.0
/**
 * pkg/api: the vcrypto.dev/v1alpha1 API, the single source of the CRDs, docs/api.md and of what
 * the agent and operator accept. Pure data and functions, no I/O. The only import path for
 * cmd/ and tests outside this folder. Files:
 *   names.ts        group, version, kinds, plurals, labels, resourceNameFor, nodeStateName
 *   errors.ts       VCRYPTO_ERR_API_* catalog: ApiValidationError
 *   rules.ts        CEL rules enforced by the API server and by zod alike; set and map lists
 *   k8s-types.ts    Toleration, ResourceRequirements, Condition, loose object metadata
 *   device.ts       VirtioCryptoDevice spec, status and object schemas
 *   node-state.ts   VirtioCryptoNodeState spec, status and object schemas
 *   parse.ts        parseDeviceSpec, parseDevice, parseNodeState: one readable line per bad field
 *   structural.ts   zod JSON Schema → Kubernetes structural OpenAPI v3 schema
 *   crd.ts          the kinds table → CustomResourceDefinition objects and YAML
 *   api-doc.ts      docs/api.md from the same structural schemas
 *   generate.ts     every generated file (crds/, the chart's crds/, docs/api.md) as path + text
 */
export * from './names.js';
export * from './errors.js';
export { type CelRule, type CrdValidationRule } from './rules.js';
export { TolerationSchema, ResourceRequirementsSchema, QuantitySchema, type Toleration, type ResourceRequirements, CONDITION_STATUSES } from './k8s-types.js';
export * from './device.js';
export * from './node-state.js';
export * from './parse.js';
export { StructuralSchemaError, structuralSchemaOf, toStructural, type JsonSchema } from './structural.js';
export * from './crd.js';
export * from './api-doc.js';
export * from './generate.js';
