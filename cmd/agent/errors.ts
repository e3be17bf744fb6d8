// SPDX-License-Identifier: Apache-2.0
/**
 * The error catalog of the node agent: VCRYPTO_ERR_AGENT_*, never reused, each listed in
 * docs/node-agent.md, lower errors kept as `cause`. main.ts maps them to exit codes; the
 * supervisor logs them once and retries.
 */
export const AGENT_ERROR_CODES = {
  /** The pool config file is missing, not YAML/JSON, or fails the pool spec schema. */
  CONFIG: 'VCRYPTO_ERR_AGENT_CONFIG',
  /** A slot folder or socket could not be created, owned or given its mode. */
  SLOT_DIR: 'VCRYPTO_ERR_AGENT_SLOT_DIR',
  /** A device process could not be started. */
  SPAWN: 'VCRYPTO_ERR_AGENT_SPAWN',
} as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[keyof typeof AGENT_ERROR_CODES];

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

export class PoolConfigError extends AgentError {
  constructor(message: string, options?: ErrorOptions) {
    super(AGENT_ERROR_CODES.CONFIG, message, options);
    this.name = 'PoolConfigError';
  }
}

export class SlotDirError extends AgentError {
  constructor(message: string, options?: ErrorOptions) {
    super(AGENT_ERROR_CODES.SLOT_DIR, message, options);
    this.name = 'SlotDirError';
  }
}

export class SpawnError extends AgentError {
  constructor(message: string, options?: ErrorOptions) {
    super(AGENT_ERROR_CODES.SPAWN, message, options);
    this.name = 'SpawnError';
  }
}

export function getErrorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
