// SPDX-License-Identifier: Apache-2.0
/**
 * vhost-user framing: the 12-byte header (request, flags, size) then the payload, fds in
 * SCM_RIGHTS ancillary data. Splits a byte stream into messages, attaching the fds that arrived
 * with each, and encodes replies. A malformed header is a protocol error. Knows no message
 * semantics.
 */
import { VHOST_USER_HDR_SIZE, VHOST_USER_MAX_PAYLOAD, VHOST_USER_REPLY_MASK, VHOST_USER_VERSION } from '../spec/vhost-user.js';
import { VhostUserProtocolError } from './errors.js';

export interface Message {
  readonly request: number;
  readonly flags: number;
  readonly payload: Uint8Array;
  readonly fds: number[];
}

export class MessageReader {
  private buf = Buffer.alloc(0);
  /** Stream offset of buf[0]. */
  private base = 0;
  /**
   * Received fds keyed by the stream offset of the last byte of the recvmsg that brought them.
   * Linux hands fds over with the last segment a stream recvmsg returns, so they belong to the
   * message that contains that byte.
   */
  private pending: { at: number; fds: number[] }[] = [];

  /** Adds received bytes and fds; returns the complete messages. Throws VhostUserProtocolError. */
  push(bytes: Uint8Array, fds: readonly number[]): Message[] {
    if (fds.length > 0) this.pending.push({ at: this.base + this.buf.length + bytes.length - 1, fds: [...fds] });
    const previous = this.buf;
    this.buf = previous.length === 0 ? Buffer.from(bytes) : Buffer.concat([previous, bytes]);
    // Payloads may carry session keys (message 26): no stale copy of them is left behind.
    previous.fill(0);
    const whole = this.buf;
    const out: Message[] = [];
    try {
      while (this.buf.length >= VHOST_USER_HDR_SIZE) {
        const request = this.buf.readUInt32LE(0);
        const flags = this.buf.readUInt32LE(4);
        const size = this.buf.readUInt32LE(8);
        if ((flags & 0x3) !== VHOST_USER_VERSION) throw new VhostUserProtocolError(`message ${request} has version ${flags & 0x3}, expected 1`);
        if (size > VHOST_USER_MAX_PAYLOAD) throw new VhostUserProtocolError(`message ${request} announces ${size} payload bytes (limit ${VHOST_USER_MAX_PAYLOAD})`);
        const total = VHOST_USER_HDR_SIZE + size;
        if (this.buf.length < total) break;
        const payload = Buffer.from(this.buf.subarray(VHOST_USER_HDR_SIZE, total));
        const end = this.base + total;
        const mine: number[] = [];
        while (this.pending.length > 0 && this.pending[0]!.at < end) mine.push(...this.pending.shift()!.fds);
        this.buf = this.buf.subarray(total);
        this.base = end;
        out.push({ request, flags, payload, fds: mine });
      }
    } catch (e: unknown) {
      // Messages parsed before the bad one are never handled: their fds go back to the stray ones.
      for (const m of out) if (m.fds.length > 0) this.pending.unshift({ at: -1, fds: m.fds });
      whole.fill(0);
      throw e;
    }
    if (this.buf.length < whole.length) {
      this.buf = Buffer.from(this.buf);
      whole.fill(0);
    }
    return out;
  }

  /** Fds received but not yet attached to a message (to close on disconnect). */
  takeStrayFds(): number[] {
    const f = this.pending.flatMap((p) => p.fds);
    this.pending = [];
    return f;
  }
}

export function encodeReply(request: number, payload: Uint8Array): Uint8Array {
  const b = Buffer.alloc(VHOST_USER_HDR_SIZE + payload.length);
  b.writeUInt32LE(request, 0);
  b.writeUInt32LE(VHOST_USER_VERSION | VHOST_USER_REPLY_MASK, 4);
  b.writeUInt32LE(payload.length, 8);
  b.set(payload, VHOST_USER_HDR_SIZE);
  return b;
}

export function u64Payload(v: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b;
}
