// SPDX-License-Identifier: Apache-2.0
/**
 * The agent's pool config file: a VirtioCryptoDevice (`metadata.name` + `spec`, YAML or JSON, as
 * the operator writes it into a ConfigMap) or the short form `{ name, spec }`. The spec is
 * validated with pkg/api's parseDeviceSpec (the schema the CRD is generated from) and turned into
 * the few settings the agent acts on. Knows nothing of processes or gRPC.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ApiValidationError, parseDeviceSpec, PoolNameSchema, resourceNameFor, type VirtioCryptoDeviceSpec } from '../../pkg/api/index.js';
import { PoolConfigError } from './errors.js';

/** The envelope around the spec (the spec itself is checked by parseDeviceSpec): `metadata.name` or `name`. */
const PoolFileSchema = z
  .object({ metadata: z.object({ name: PoolNameSchema }).loose().optional(), name: PoolNameSchema.optional(), spec: z.unknown().optional() })
  .loose()
  .refine((f) => f.metadata !== undefined || f.name !== undefined, { message: 'names no pool: give metadata.name (a VirtioCryptoDevice) or name', path: ['metadata', 'name'] });

export interface SocketOwner {
  readonly uid: number;
  readonly gid: number;
}

/** What the agent acts on. */
export interface PoolConfig {
  readonly pool: string;
  readonly resourceName: string;
  readonly slots: number;
  /** The backend the spec asks for (auto, software, kernel): for status and metrics. */
  readonly backendType: string;
  /** Arguments for `vcrypto device` other than --socket; a change restarts idle slots. */
  readonly deviceArgs: readonly string[];
  readonly socketOwner?: SocketOwner;
}

/** Which `vcrypto device --backend` a spec backend type runs as. */
export function deviceBackendFor(type: 'auto' | 'software' | 'kernel'): string {
  // The device has all three: auto serves hardware-driven algorithms through the kernel, the rest in software.
  return type;
}

/**
 * `--services` naming the offered services, or nothing when the spec offers them all. spec.queueSize
 * is not passed: the frontend picks the ring size (QEMU's virtio-crypto-pci fixes 1024, the hook
 * sets vq_size in device mode), and a smaller device limit would disconnect QEMU.
 */
function servicesArgs(services: VirtioCryptoDeviceSpec['services']): string[] {
  const on = Object.entries(services).filter(([, offered]) => offered).map(([name]) => name);
  return on.length === Object.keys(services).length ? [] : ['--services', on.join(',')];
}

function hasSocketOwner(rawSpec: unknown): boolean {
  return typeof rawSpec === 'object' && rawSpec !== null && 'socketOwner' in rawSpec;
}

function specOf(input: unknown, source: string): VirtioCryptoDeviceSpec {
  try {
    return parseDeviceSpec(input);
  } catch (e: unknown) {
    if (!(e instanceof ApiValidationError)) throw e;
    throw new PoolConfigError(`${source} is invalid ${e.problems.map((p) => `at ${p.path}: ${p.message}`).join('; ')}`, { cause: e });
  }
}

export function parsePoolConfig(text: string, source = 'pool config'): PoolConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e: unknown) {
    throw new PoolConfigError(`${source} is not YAML or JSON`, { cause: e });
  }
  const parsed = PoolFileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') ?? '';
    throw new PoolConfigError(`${source} is invalid${where === '' ? '' : ` at ${where}`}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error });
  }
  const pool = parsed.data.metadata?.name ?? parsed.data.name ?? '';
  const spec = specOf(parsed.data.spec, source);
  const backend = deviceBackendFor(spec.backend.type);
  return {
    pool,
    resourceName: resourceNameFor(pool, spec),
    slots: spec.slotsPerNode,
    backendType: spec.backend.type,
    deviceArgs: [
      '--backend', backend,
      // A preferred driver means something only to a backend that uses the kernel crypto API.
      ...(spec.backend.kernelDriver !== undefined && backend !== 'software' ? ['--kernel-driver', spec.backend.kernelDriver] : []),
      '--queues', String(spec.dataQueues),
      ...(spec.pollMicroseconds !== undefined ? ['--poll-us', String(spec.pollMicroseconds)] : []),
      '--max-sessions', String(spec.maxSessions),
      '--max-request-size', String(spec.maxRequestSize),
      ...servicesArgs(spec.services),
      ...(spec.algorithms !== undefined ? ['--algorithms', spec.algorithms.join(',')] : []),
    ],
    // Written out in the spec, it wins; else the agent's --socket-owner (both default to 107:107).
    ...(hasSocketOwner(parsed.data.spec) ? { socketOwner: spec.socketOwner } : {}),
  };
}

export function loadPoolConfig(path: string): PoolConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: unknown) {
    throw new PoolConfigError(`cannot read the pool config ${path}`, { cause: e });
  }
  return parsePoolConfig(text, path);
}
