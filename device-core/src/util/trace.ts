// SPDX-License-Identifier: Apache-2.0
/**
 * The tracing interface device-core emits through. device-core never imports a logger: cmd/
 * passes an implementation (pkg/log underneath). Tracer names are module names ('vhost-user',
 * 'virtqueue', 'crypto-session', 'crypto-request', 'backend'). Hot paths check `enabled(name)`
 * before building fields. Fields carry ids, sizes, algorithm names and statuses, never key
 * material or payload bytes.
 */
export type TraceFields = Record<string, string | number | bigint | boolean | undefined>;

export interface Tracer {
  enabled(tracer: string): boolean;
  trace(tracer: string, msg: string, fields?: TraceFields): void;
}

export const NO_TRACE: Tracer = {
  enabled: () => false,
  trace: () => undefined,
};

/**
 * Parses VCRYPTO_TRACE-style selections: "vhost-user,virtqueue", "all", "all,-virtqueue".
 */
export function parseTraceSelection(spec: string | undefined): (tracer: string) => boolean {
  const parts = (spec ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  const all = parts.includes('all');
  const on = new Set(parts.filter((p) => !p.startsWith('-') && p !== 'all'));
  const off = new Set(parts.filter((p) => p.startsWith('-')).map((p) => p.slice(1)));
  return (tracer) => !off.has(tracer) && (all || on.has(tracer));
}
