// SPDX-License-Identifier: Apache-2.0
/**
 * VirtioCryptoNodeState: one per pool and node, cluster scoped, named `<pool>-<node>` and
 * labelled with both (names.ts). The node agent writes it; the operator aggregates it into the
 * VirtioCryptoDevice status; people read it with kubectl. Knows nothing of who writes it.
 */
import { z } from 'zod';
import { PoolNameSchema } from './device.js';
import { resourceSchema } from './k8s-types.js';
import { NODE_STATE_KIND } from './names.js';
import { mapList, setList, withCelRules } from './rules.js';

export const SLOT_HEALTH = ['Healthy', 'Unhealthy'] as const;

export const VirtioCryptoNodeStateSpecSchema = z
  .strictObject({
    pool: PoolNameSchema.describe('The VirtioCryptoDevice (pool) this state belongs to.'),
    nodeName: z.string().min(1).max(253).describe('The node this state describes.'),
  })
  .describe('Which pool and node this state describes; set by the agent at creation.');
export type VirtioCryptoNodeStateSpec = z.output<typeof VirtioCryptoNodeStateSpecSchema>;

export const SlotStateSchema = z
  .object({
    id: z.string().min(1).describe('The slot’s device id as advertised to the kubelet.'),
    health: z.enum(SLOT_HEALTH).describe('Healthy when its device process serves, else Unhealthy.'),
    allocated: z.boolean().describe('Whether a VM holds the slot.'),
  })
  .describe('One device slot on the node.');
export type SlotState = z.output<typeof SlotStateSchema>;

export const VirtioCryptoNodeStateStatusSchema = z
  .object({
    slots: mapList(SlotStateSchema, 'id').describe('The pool’s slots on this node.'),
    capabilities: z.object({
      backend: z.string().min(1).describe('The backend the devices run: software or kernel.'),
      hardwareDriver: z.string().min(1).optional().describe('The kernel driver doing the work when it is hardware; unset: none.'),
      algorithms: setList(z.string().min(1)).describe('The algorithms the devices offer, in vcrypto’s names (aes-cbc, hmac-sha256, ...).'),
    }).describe('What the node’s devices actually serve.'),
    lastError: z.string().optional().describe('The agent’s last error for this pool, if any (never key material).'),
    updatedAt: z.iso.datetime({ offset: true }).describe('When the agent last wrote this status (RFC 3339).'),
  })
  .describe('What the agent observed on the node.');
export type VirtioCryptoNodeStateStatus = z.output<typeof VirtioCryptoNodeStateStatusSchema>;

export const VirtioCryptoNodeStateSchema = withCelRules(
  resourceSchema(NODE_STATE_KIND, VirtioCryptoNodeStateSpecSchema, VirtioCryptoNodeStateStatusSchema),
  [{
    rule: "self.metadata.name == self.spec.pool + '-' + self.spec.nodeName",
    message: 'metadata.name must be <spec.pool>-<spec.nodeName>',
    holds: (s) => s.metadata.name === undefined || s.metadata.name === `${s.spec.pool}-${s.spec.nodeName}`,
  }],
).describe('The state of one pool on one node, written by that node’s agent.');
export type VirtioCryptoNodeState = z.output<typeof VirtioCryptoNodeStateSchema>;
