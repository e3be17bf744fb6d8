// SPDX-License-Identifier: Apache-2.0
/**
 * Builds the two CustomResourceDefinitions (apiextensions.k8s.io/v1) from the zod schemas: the
 * structural OpenAPI v3 schema (structural.ts) with descriptions, defaults, bounds, enums and the
 * CEL rules the schemas carry, printer columns, the status subresource, names and scope. Pure:
 * returns objects and YAML text; cmd/gen-crds writes them. Knows nothing of files or clients.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { VirtioCryptoDeviceSchema } from './device.js';
import {
  API_VERSION, DEVICE_KIND, DEVICE_PLURAL, DEVICE_SHORT_NAMES, DEVICE_SINGULAR, GROUP,
  NODE_STATE_KIND, NODE_STATE_PLURAL, NODE_STATE_SHORT_NAMES, NODE_STATE_SINGULAR, VERSION,
} from './names.js';
import { VirtioCryptoNodeStateSchema } from './node-state.js';
import { toStructural, type JsonSchema } from './structural.js';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

export interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly schema: z.ZodType;
  readonly printerColumns: readonly PrinterColumn[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the object was created.' };

/** The kinds of vcrypto.dev/v1alpha1. Add a kind here and `npm run gen:crds` writes its CRD. */
export const KINDS: readonly KindDefinition[] = [
  {
    kind: DEVICE_KIND,
    plural: DEVICE_PLURAL,
    singular: DEVICE_SINGULAR,
    shortNames: DEVICE_SHORT_NAMES,
    schema: VirtioCryptoDeviceSchema,
    printerColumns: [
      { name: 'Ready nodes', type: 'integer', jsonPath: '.status.nodes.ready', description: 'Nodes whose agent serves at least one healthy slot.' },
      { name: 'Slots', type: 'integer', jsonPath: '.status.slots.total', description: 'Slots advertised on all nodes.' },
      { name: 'Healthy', type: 'integer', jsonPath: '.status.slots.healthy', description: 'Slots whose device process serves.' },
      { name: 'Backend', type: 'string', jsonPath: '.spec.backend.type', description: 'The backend the spec asks for.' },
      { name: 'Available', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].status', description: 'The Available condition.', priority: 1 },
      AGE,
    ],
  },
  {
    kind: NODE_STATE_KIND,
    plural: NODE_STATE_PLURAL,
    singular: NODE_STATE_SINGULAR,
    shortNames: NODE_STATE_SHORT_NAMES,
    schema: VirtioCryptoNodeStateSchema,
    printerColumns: [
      { name: 'Pool', type: 'string', jsonPath: '.spec.pool', description: 'The VirtioCryptoDevice.' },
      { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', description: 'The node.' },
      { name: 'Backend', type: 'string', jsonPath: '.status.capabilities.backend', description: 'The backend the devices run.' },
      { name: 'Driver', type: 'string', jsonPath: '.status.capabilities.hardwareDriver', description: 'The hardware driver, if any.' },
      { name: 'Error', type: 'string', jsonPath: '.status.lastError', description: 'The agent’s last error.', priority: 1 },
      AGE,
    ],
  },
];

/** The CRD's openAPIV3Schema of one kind: apiVersion, kind and metadata as every CRD has them. */
export function openApiSchemaOf(def: KindDefinition): JsonSchema {
  const raw = z.toJSONSchema(def.schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  const props = { ...(raw['properties'] as JsonSchema) };
  props['apiVersion'] = { type: 'string', description: `The versioned schema of this object: ${API_VERSION}.` };
  props['kind'] = { type: 'string', description: `The kind of this object: ${def.kind}.` };
  props['metadata'] = { type: 'object', description: 'Standard object metadata; the API server owns its schema.' };
  return toStructural({ ...raw, properties: props, required: ['spec'] });
}

export function crdOf(def: KindDefinition): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { kind: def.kind, listKind: `${def.kind}List`, plural: def.plural, singular: def.singular, shortNames: [...def.shortNames], categories: ['vcrypto'] },
      scope: 'Cluster',
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: openApiSchemaOf(def) },
        subresources: { status: {} },
        additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
      }],
    },
  };
}

/** The file name kubebuilder would give the CRD: `<group>_<plural>.yaml`. */
export function crdFileName(def: KindDefinition): string {
  return `${GROUP}_${def.plural}.yaml`;
}

export const GENERATED_HEADER = 'Generated by `npm run gen:crds` from the zod schemas in pkg/api: edit those, not this file.';

export function crdYaml(def: KindDefinition): string {
  return `# SPDX-License-Identifier: Apache-2.0\n# ${GENERATED_HEADER}\n${stringify(crdOf(def), { lineWidth: 0 })}`;
}
