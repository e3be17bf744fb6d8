// SPDX-License-Identifier: Apache-2.0
/**
 * The messages that keep a ring worker's copy of the device in step with the device that owns
 * the sessions (the control queue and vhost-user messages 26/27 are served on the connection's
 * thread): a session created under the owner's id, destroyed, all cleared, the driver's acked
 * features. Keys travel in fresh buffers the message transfers (no copy is left behind in a
 * serialisation buffer) and the receiver wipes them once its backend holds the key. Knows
 * nothing of threads or ports.
 */
import type { CreateSessionRequest } from './session-request.js';

export type MirrorMessage =
  | { readonly k: 'session-created'; readonly id: bigint; readonly req: CreateSessionRequest }
  | { readonly k: 'session-destroyed'; readonly id: bigint }
  | { readonly k: 'sessions-cleared' }
  | { readonly k: 'features'; readonly acked: bigint };

/** A message with the buffers it carries (to transfer, not copy). */
export interface MirrorPost {
  readonly message: MirrorMessage;
  readonly transfer: ArrayBuffer[];
}

/** Told of every change; `build` makes one independent post per receiver. */
export type SessionMirror = (build: () => MirrorPost) => void;

export function isMirrorMessage(m: unknown): m is MirrorMessage {
  const k = (m as { k?: unknown } | null)?.k;
  return k === 'session-created' || k === 'session-destroyed' || k === 'sessions-cleared' || k === 'features';
}

/** A copy of req whose keys are in fresh buffers, and those buffers. */
export function copyForTransfer(req: CreateSessionRequest): { req: CreateSessionRequest; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const fresh = (key: Uint8Array): Uint8Array => {
    const b = new Uint8Array(new ArrayBuffer(key.length));
    b.set(key);
    transfer.push(b.buffer);
    return b;
  };
  switch (req.kind) {
    case 'cipher':
    case 'aead':
    case 'akcipher':
    case 'mac':
      return { req: { ...req, key: fresh(req.key) }, transfer };
    case 'hash':
      return { req: { ...req }, transfer };
    case 'chain':
      return {
        req: { ...req, cipher: { ...req.cipher, key: fresh(req.cipher.key) }, auth: req.auth.kind === 'mac' ? { ...req.auth, key: fresh(req.auth.key) } : { ...req.auth } },
        transfer,
      };
  }
}

/** Zeroes every key of a received request (after the backend took its copy). */
export function wipeKeys(req: CreateSessionRequest): void {
  switch (req.kind) {
    case 'cipher':
    case 'aead':
    case 'akcipher':
    case 'mac':
      req.key.fill(0);
      return;
    case 'hash':
      return;
    case 'chain':
      req.cipher.key.fill(0);
      if (req.auth.kind === 'mac') req.auth.key.fill(0);
  }
}
