// SPDX-License-Identifier: Apache-2.0
/**
 * VirtioCryptoDevice: the user's object, a pool of virtio-crypto devices on a set of nodes.
 * The zod schemas here are the single source of the CRD (descriptions, defaults, bounds, CEL
 * rules: see crd.ts), of docs/api.md and of what the agent accepts. Knows nothing of clients,
 * the operator or the agent.
 */
import { z } from 'zod';
import { ALGORITHM_NAMES } from '../../device-core/src/index.js';
import { conditionSchema, ResourceRequirementsSchema, resourceSchema, TolerationSchema } from './k8s-types.js';
import { DEVICE_KIND, EXTENDED_RESOURCE_NAME, MAX_UNIX_ID } from './names.js';
import { mapList, setList, withCelRules } from './rules.js';

/** Pool names are path components, label values and part of the resource name: a short DNS-1123 label. */
export const POOL_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const POOL_NAME_MAX = 40;
export const PoolNameSchema = z.string().max(POOL_NAME_MAX).regex(new RegExp(POOL_NAME_PATTERN), 'must be a DNS-1123 label (lower-case letters, digits, -)');
/** Extended resource names: `<domain>/<name>`. */

export const BACKEND_TYPES = ['auto', 'software', 'kernel'] as const;
export const QUEUE_SIZES = [64, 128, 256, 512, 1024] as const;
export const DEVICE_CONDITION_TYPES = ['Available', 'Progressing', 'Degraded'] as const;

const BackendSchema = withCelRules(
  z.strictObject({
    type: z.enum(BACKEND_TYPES).default('auto').describe('auto: the kernel crypto API where the node has a hardware driver for an algorithm, else software. software: OpenSSL through node:crypto. kernel: the kernel crypto API (AF_ALG) only.'),
    kernelDriver: z.string().min(1).max(127).regex(/^[A-Za-z0-9_.-]+$/, 'must be a kernel crypto driver name like qat_aes_cbc').optional().describe('Prefer this kernel crypto driver (as /proc/crypto names it, e.g. qat_aes_cbc); only with type kernel or auto.'),
  }),
  [{
    rule: "!has(self.kernelDriver) || self.type in ['kernel', 'auto']",
    message: 'kernelDriver may be set only when type is kernel or auto',
    fieldPath: '.kernelDriver',
    holds: (b) => b.kernelDriver === undefined || b.type === 'kernel' || b.type === 'auto',
  }],
).describe('Where the crypto work is done.');

const serviceFlag = (what: string) => z.boolean().default(true).describe(`Offer the ${what} service to the guest.`);
const ServicesSchema = withCelRules(
  z.strictObject({
    cipher: serviceFlag('CIPHER (symmetric ciphers such as aes-cbc)'),
    hash: serviceFlag('HASH (sha256, ...)'),
    mac: serviceFlag('MAC (hmac-sha256, ...)'),
    aead: serviceFlag('AEAD (aes-gcm, ...)'),
    akcipher: serviceFlag('AKCIPHER (RSA, ECDSA)'),
  }),
  [{
    rule: 'self.cipher || self.hash || self.mac || self.aead || self.akcipher',
    message: 'at least one service must be offered',
    holds: (s) => s.cipher || s.hash || s.mac || s.aead || s.akcipher,
  }],
).describe('Which virtio-crypto services the device offers; each defaults to true.');

const SocketOwnerSchema = z
  .strictObject({
    uid: z.number().int().min(0).max(MAX_UNIX_ID).default(107).describe('Owner uid of each slot folder and socket.'),
    gid: z.number().int().min(0).max(MAX_UNIX_ID).default(107).describe('Owner gid of each slot folder and socket.'),
  })
  .describe('Who may connect to the device sockets: QEMU in virt-launcher runs as uid/gid 107.');

const AgentSchema = z
  .strictObject({
    image: z.string().min(1).optional().describe('The node-agent image; unset: the image the operator was installed with (chart value agent.image).'),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional().describe('The image pull policy of the node-agent container.'),
    resources: ResourceRequirementsSchema.optional(),
  })
  .describe('How the operator runs the node agent on each selected node.');

export const VirtioCryptoDeviceSpecSchema = z
  .strictObject({
    nodeSelector: z.record(z.string(), z.string()).optional().describe('Labels a node must carry to get devices of this pool; unset: every node the tolerations allow.'),
    tolerations: z.array(TolerationSchema).max(64).optional().describe('Taints the node agent tolerates.'),
    resourceName: withCelRules(
      z.string().max(253).regex(EXTENDED_RESOURCE_NAME, 'must be an extended resource name like example.com/crypto'),
      [{
        rule: "!self.contains('kubernetes.io/') && !self.startsWith('requests.')",
        message: 'must not be in the kubernetes.io domain or start with requests.',
        holds: (r) => !r.includes('kubernetes.io/') && !r.startsWith('requests.'),
      }],
    ).optional().describe('The extended resource VMs request (resources.limits); unset: vcrypto.dev/<metadata.name>.'),
    slotsPerNode: z.number().int().min(0).max(256).default(1).describe('How many VMs on one node can hold a device of this pool at once: one socket and device process slot each.'),
    backend: BackendSchema.prefault({}),
    dataQueues: z.number().int().min(1).max(64).default(1).describe('Data virtqueues offered to a frontend that drives the whole device (cryptodev-vhost-user uses queue 0 only). Above 1, each data queue is served by its own worker thread in the device process (about 32 MiB more memory per queue).'),
    queueSize: z.literal(QUEUE_SIZES).default(256).describe('Descriptors per virtqueue: a power of two.'),
    pollMicroseconds: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe('After a data queue has served requests, watch it this many microseconds for the next one before sleeping until a kick (vcrypto device --poll-us). Meant for nodes where each device has a core to itself: it helped requests one at a time in vcrypto bench and did not pay under QEMU TCG (docs/performance.md). Costs up to this much CPU after each burst. Unset or 0: no polling.'),
    maxSessions: z.number().int().min(1).max(1_000_000).default(1024).describe('Open sessions per device before it answers VIRTIO_CRYPTO_NOSPC.'),
    maxRequestSize: z.number().int().min(4096).max(1 << 30).default(4 << 20).describe('The largest request a device accepts, in bytes.'),
    services: ServicesSchema.prefault({}),
    algorithms: setList(z.enum(ALGORITHM_NAMES, { error: `must be one of ${ALGORITHM_NAMES.join(', ')}` }))
      .min(1)
      .optional()
      .describe('Offer only these algorithms (names as `vcrypto capabilities` prints them, e.g. aes-cbc); unset: all the backend supports.'),
    socketOwner: SocketOwnerSchema.prefault({}),
    agent: AgentSchema.prefault({}),
  })
  .describe('The pool: where devices run, how many, and what each offers.');
export type VirtioCryptoDeviceSpec = z.output<typeof VirtioCryptoDeviceSpecSchema>;
/** A spec as a person writes it: every defaulted field optional. */
export type VirtioCryptoDeviceSpecInput = z.input<typeof VirtioCryptoDeviceSpecSchema>;

export const DeviceConditionSchema = conditionSchema(DEVICE_CONDITION_TYPES);
export type DeviceCondition = z.output<typeof DeviceConditionSchema>;

const count = (what: string) => z.number().int().min(0).describe(what);

export const VirtioCryptoDeviceStatusSchema = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation this status describes.'),
    conditions: mapList(DeviceConditionSchema, 'type').optional().describe('Available, Progressing and Degraded, with reasons.'),
    nodes: z.object({
      desired: count('Nodes the pool selects.'),
      ready: count('Nodes whose agent serves at least one healthy slot.'),
    }).optional().describe('Node counts.'),
    slots: z.object({
      total: count('Slots advertised on all nodes.'),
      healthy: count('Slots whose device process serves.'),
      allocated: count('Slots held by a VM.'),
    }).optional().describe('Slot counts over all nodes.'),
    nodeCapabilities: z.array(z.object({
      node: z.string().min(1).describe('The node name.'),
      backend: z.string().min(1).describe('The backend the node’s devices run (software or kernel).'),
      hardwareDriver: z.string().min(1).describe('The kernel driver doing the work, or none.'),
    }).describe('What one node serves.')).optional().describe('What each node of the pool serves.'),
  })
  .describe('What the operator observed; written by the operator only.');
export type VirtioCryptoDeviceStatus = z.output<typeof VirtioCryptoDeviceStatusSchema>;

export const VirtioCryptoDeviceSchema = withCelRules(
  resourceSchema(DEVICE_KIND, VirtioCryptoDeviceSpecSchema, VirtioCryptoDeviceStatusSchema),
  [{
    rule: `self.metadata.name.size() <= ${POOL_NAME_MAX} && self.metadata.name.matches('${POOL_NAME_PATTERN}')`,
    message: `metadata.name must be a DNS-1123 label of at most ${POOL_NAME_MAX} characters: it names the pool's sockets, resource and agent`,
    holds: (d) => d.metadata.name === undefined || (d.metadata.name.length <= POOL_NAME_MAX && new RegExp(POOL_NAME_PATTERN).test(d.metadata.name)),
  }],
).describe('A pool of virtio-crypto devices for KubeVirt VMs on the selected nodes.');
export type VirtioCryptoDevice = z.output<typeof VirtioCryptoDeviceSchema>;
