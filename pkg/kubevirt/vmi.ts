// SPDX-License-Identifier: Apache-2.0
/**
 * The VirtualMachineInstance as the hook reads it: a zod schema of only the fields it uses
 * (name, namespace, annotations, resource limits/requests, eviction strategy, migration state),
 * everything else passed over. Also the pure readings made from it: how many devices of each of
 * our resources were asked for, and whether the VMI expects to live-migrate. Knows nothing of XML.
 */
import { z } from 'zod';
import { RequestInvalidError, VmiInvalidError } from './errors.js';

/** Kubernetes quantities arrive as strings ("1") or, from hand-written JSON, as numbers. */
const QuantitySchema = z.union([z.string(), z.number()]);
const ResourceListSchema = z.record(z.string(), QuantitySchema);

export const VmiSchema = z.object({
  metadata: z
    .object({
      name: z.string().optional(),
      namespace: z.string().optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: z.object({
    domain: z.object({
      resources: z
        .object({
          limits: ResourceListSchema.optional(),
          requests: ResourceListSchema.optional(),
        })
        .optional(),
    }),
    evictionStrategy: z.string().optional(),
  }),
  status: z
    .object({
      migrationState: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type Vmi = z.infer<typeof VmiSchema>;

/** Parses the VMI JSON virt-launcher sends (bytes or text); throws VmiInvalidError. */
export function parseVmi(json: Uint8Array | string): Vmi {
  const text = typeof json === 'string' ? json : Buffer.from(json).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: unknown) {
    throw new VmiInvalidError('VMI is not valid JSON', { cause: e });
  }
  const parsed = VmiSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VmiInvalidError(`VMI lacks a field the hook reads: ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export const vmiAnnotation = (vmi: Vmi, key: string): string | undefined => vmi.metadata?.annotations?.[key];

export function vmiDisplayName(vmi: Vmi): string {
  return `${vmi.metadata?.namespace ?? ''}/${vmi.metadata?.name ?? ''}`;
}

function quantityToCount(resource: string, q: string | number): number {
  const n = typeof q === 'number' ? q : /^\d+$/.test(q.trim()) ? Number.parseInt(q.trim(), 10) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RequestInvalidError(`resource ${resource} must be a whole number of devices, got ${JSON.stringify(q)}`);
  }
  return n;
}

export interface DeviceRequest {
  /** The extended resource, e.g. vcrypto.dev/fast. */
  readonly resource: string;
  readonly count: number;
}

/**
 * The devices the VMI asks for, one entry per resource with a count above 0, sorted by resource
 * name (device numbering follows this order). With `resource` given, only that resource is
 * counted; otherwise every resource under `prefix`. Limits win; a request alone counts too
 * (Kubernetes copies an extended resource's request to its limit when only one is given).
 */
export function requestedDevices(vmi: Vmi, resource: string | undefined, prefix: string): DeviceRequest[] {
  const limits = vmi.spec.domain.resources?.limits ?? {};
  const requests = vmi.spec.domain.resources?.requests ?? {};
  const names = resource !== undefined ? [resource] : [...new Set([...Object.keys(limits), ...Object.keys(requests)])].filter((k) => k.startsWith(prefix)).sort();
  const out: DeviceRequest[] = [];
  for (const name of names) {
    const q = limits[name] ?? requests[name];
    const count = q === undefined ? 0 : quantityToCount(name, q);
    if (count > 0) out.push({ resource: name, count });
  }
  return out;
}

/** Eviction strategies that make KubeVirt try to live-migrate the VMI. */
const MIGRATING_STRATEGIES = new Set(['LiveMigrate', 'LiveMigrateIfPossible']);

/** Why this VMI may be live-migrated (which a vhost-user crypto device prevents), or undefined. */
export function migrationIntent(vmi: Vmi): string | undefined {
  if (vmi.status?.migrationState !== undefined) return 'the VMI has a migration in progress';
  const s = vmi.spec.evictionStrategy;
  if (s !== undefined && MIGRATING_STRATEGIES.has(s)) return `spec.evictionStrategy is ${s}`;
  return undefined;
}
