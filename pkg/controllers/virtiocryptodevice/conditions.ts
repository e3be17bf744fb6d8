// SPDX-License-Identifier: Apache-2.0
/**
 * The condition types and reasons the VirtioCryptoDevice controller writes: one table, so the
 * reconciler and status code never spell a reason inline, and docs/operator.md can list them.
 */

export const CONDITION = { available: 'Available', progressing: 'Progressing', degraded: 'Degraded' } as const;

export const REASON = {
  /** Available=True: at least one selected node serves a healthy slot. */
  agentsReady: 'AgentsReady',
  /** Available=False: nodes are selected but none serves a healthy slot yet. */
  noNodeReady: 'NoNodeReady',
  /** Available/Progressing=False: the node selector and tolerations match no node. */
  noNodesSelected: 'NoNodesSelected',
  /** Progressing=True: some selected nodes have no ready agent yet. */
  waitingForAgents: 'WaitingForAgents',
  /** Progressing=True: every node is ready, but some agent pods run an older template (OnDelete). */
  agentUpdatePending: 'AgentUpdatePending',
  /** Progressing=False: every selected node is ready. */
  allNodesReady: 'AllNodesReady',
  /** Degraded=False. */
  asExpected: 'AsExpected',
  /** Degraded=True: some slots' device processes do not serve. */
  slotsUnhealthy: 'SlotsUnhealthy',
  /** Degraded=True: an agent reported an error (its node state's lastError). */
  agentError: 'AgentError',
  /** Degraded=True: another pool advertises the same extended resource on a shared node. */
  resourceNameConflict: 'ResourceNameConflict',
  /** Degraded=True (Available=False): the spec does not pass pkg/api's schema. */
  invalidSpec: 'InvalidSpec',
} as const;
