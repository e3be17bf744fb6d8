// SPDX-License-Identifier: Apache-2.0
/**
 * Adapts the project's vhost-user frontend to the self-test Transport: data requests go to a data
 * queue (0 unless chosen) with the chosen descriptor layout; sessions go through the control queue (device mode)
 * or vhost-user messages 26/27 (cryptodev mode).
 */
import type { SubmitOptions, VhostUserFrontend } from '../testing/frontend.js';
import type { LogicalRequest } from '../testing/request-builder.js';
import type { Transport } from './cases.js';

export function frontendTransport(f: VhostUserFrontend, o: SubmitOptions & { readonly queue?: number }): Transport {
  return {
    createSession: (req) => f.createSession(req, o),
    destroySession: (req, id) => f.destroySession(req, id),
    async run(req: LogicalRequest) {
      const c = await f.submit(o.queue ?? 0, req, o);
      const all = Buffer.concat(c.segments.writable.map((w) => Buffer.from(w)));
      return { out: all.subarray(0, Math.max(0, all.length - 1)), status: all[all.length - 1] ?? -1, usedLen: c.usedLen };
    },
  };
}
