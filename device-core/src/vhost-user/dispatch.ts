// SPDX-License-Identifier: Apache-2.0
/**
 * The vhost-user dispatch table: one entry per request code, declaring the payload size, the fd
 * count, whether a reply is sent and which protocol feature gates it, and one exported
 * dispatch() that checks a message against its entry before calling the handler. An unknown
 * code or a failed check is a VhostUserProtocolError (the connection is dropped, its fds closed).
 * Handlers quote the rule of docs/interop/vhost-user.rst they enforce. Knows nothing of crypto.
 */
import { fstatSync, readFileSync } from 'node:fs';
import { closeFds, mapFd } from '../os/index.js';
import { readAddress } from '../memory/guest-memory.js';
import {
  VHOST_USER as M,
  VHOST_USER_CRYPTO_SESSION_LEGACY_SIZE,
  VHOST_USER_CRYPTO_SESSION_SIZE,
  VHOST_USER_F_PROTOCOL_FEATURES_BIT,
  VHOST_USER_MAX_MEM_SLOTS,
  VHOST_USER_MEMORY_REGION_SIZE,
  VHOST_USER_NEED_REPLY_MASK,
  VHOST_USER_PROTOCOL_F as PF,
  VHOST_USER_VRING_IDX_MASK,
  VHOST_USER_VRING_NOFD_MASK,
  VHOST_MEMORY_BASELINE_NREGIONS,
} from '../spec/vhost-user.js';
import { VIRTIO_F_NOTIFY_ON_EMPTY_BIT, VIRTIO_F_VERSION_1_BIT, VIRTIO_RING_F_EVENT_IDX_BIT, VIRTIO_RING_F_INDIRECT_DESC_BIT, VIRTQ_MAX_SIZE } from '../spec/virtio.js';
import type { Message } from './codec.js';
import { u64Payload } from './codec.js';
import type { ConnectionState } from './state.js';
import { VhostUserProtocolError } from './errors.js';

const bit = (n: number): bigint => 1n << BigInt(n);

/** Transport features every backend offers: the rings we implement. */
export const TRANSPORT_FEATURES =
  bit(VIRTIO_F_VERSION_1_BIT) | bit(VIRTIO_RING_F_INDIRECT_DESC_BIT) | bit(VIRTIO_RING_F_EVENT_IDX_BIT) | bit(VIRTIO_F_NOTIFY_ON_EMPTY_BIT) | bit(VHOST_USER_F_PROTOCOL_FEATURES_BIT);

/** Protocol features the protocol layer implements; the backend adds its own. */
export const BASE_PROTOCOL_FEATURES = bit(PF.MQ) | bit(PF.REPLY_ACK) | bit(PF.CONFIGURE_MEM_SLOTS) | bit(PF.RESET_DEVICE);

/** What a handler returns: a reply payload, or for ack-able messages success/failure. */
type Outcome = Uint8Array | boolean | void;

interface Entry {
  readonly name: string;
  /** Exact payload size, or [min, max]. */
  readonly size: number | readonly [number, number];
  readonly fds: readonly [number, number];
  /** 'reply': always answers with a payload; 'ack': answers u64 0/1 only when NEED_REPLY and REPLY_ACK. */
  readonly reply: 'reply' | 'ack';
  readonly gate?: number;
  handle(c: ConnectionState, m: Message): Outcome;
}

const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number): bigint => BigInt(u32(b, o)) | (BigInt(u32(b, o + 4)) << 32n);

function vringOf(c: ConnectionState, index: number) {
  const v = c.vrings[index];
  if (v === undefined) throw new VhostUserProtocolError(`vring index ${index} is beyond the ${c.vrings.length} queues`);
  return v;
}

/** Maps one region from the wire (gpa, size, uaddr, mmap offset) with its fd, which it takes. */
function addRegion(c: ConnectionState, p: Uint8Array, off: number, fd: number): void {
  const [gpa, size, uaddr, mmapOffset] = [readAddress(p, off), readAddress(p, off + 8), readAddress(p, off + 16), readAddress(p, off + 24)];
  let mapping;
  try {
    if (gpa < 0 || size <= 0 || uaddr < 0 || mmapOffset < 0) throw new VhostUserProtocolError('memory region with an address beyond 2^53');
    // A mapping past the end of its file maps, but reading that part raises SIGBUS: refuse it.
    const file = fstatSync(fd);
    if (file.isFile() && mmapOffset + size > file.size) throw new VhostUserProtocolError(`memory region of ${size} bytes at offset ${mmapOffset} is larger than its ${file.size}-byte file`);
    mapping = mapFd(fd, mmapOffset, size);
  } catch (e: unknown) {
    closeFds([fd]);
    if (e instanceof VhostUserProtocolError) throw e;
    throw new VhostUserProtocolError(`memory region of ${size} bytes could not be mapped`, { cause: e });
  }
  try {
    c.addMappedRegion({ guestPhysAddr: gpa, sizeBytes: size, userspaceAddr: uaddr, bytes: mapping.bytes }, mapping, fd, mmapOffset);
  } catch (e: unknown) {
    mapping.unmap();
    closeFds([fd]);
    throw new VhostUserProtocolError('memory region refused', { cause: e });
  }
}

const TABLE: Readonly<Record<number, Entry>> = {
  [M.VHOST_USER_GET_FEATURES]: {
    name: 'GET_FEATURES', size: 0, fds: [0, 0], reply: 'reply',
    handle: (c) => u64Payload(TRANSPORT_FEATURES | c.backend.deviceFeatures),
  },
  [M.VHOST_USER_SET_FEATURES]: {
    name: 'SET_FEATURES', size: 8, fds: [0, 0], reply: 'ack',
    handle: (c, m) => {
      c.ackedFeatures = u64(m.payload, 0);
      c.backend.setFeatures(c.ackedFeatures);
    },
  },
  [M.VHOST_USER_SET_OWNER]: { name: 'SET_OWNER', size: 0, fds: [0, 0], reply: 'ack', handle: () => undefined },
  [M.VHOST_USER_RESET_OWNER]: { name: 'RESET_OWNER', size: [0, 8], fds: [0, 0], reply: 'ack', handle: (c) => c.resetDevice() },
  [M.VHOST_USER_GET_PROTOCOL_FEATURES]: {
    name: 'GET_PROTOCOL_FEATURES', size: 0, fds: [0, 0], reply: 'reply',
    handle: (c) => u64Payload(BASE_PROTOCOL_FEATURES | c.backend.protocolFeatures),
  },
  [M.VHOST_USER_SET_PROTOCOL_FEATURES]: {
    name: 'SET_PROTOCOL_FEATURES', size: 8, fds: [0, 0], reply: 'ack',
    handle: (c, m) => {
      // "the backend must not enable a protocol feature it did not offer"
      c.protocolFeatures = u64(m.payload, 0) & (BASE_PROTOCOL_FEATURES | c.backend.protocolFeatures);
    },
  },
  [M.VHOST_USER_GET_QUEUE_NUM]: { name: 'GET_QUEUE_NUM', size: 0, fds: [0, 0], reply: 'reply', gate: PF.MQ, handle: (c) => u64Payload(BigInt(c.vrings.length)) },
  [M.VHOST_USER_GET_MAX_MEM_SLOTS]: {
    name: 'GET_MAX_MEM_SLOTS', size: 0, fds: [0, 0], reply: 'reply', gate: PF.CONFIGURE_MEM_SLOTS,
    handle: () => u64Payload(BigInt(VHOST_USER_MAX_MEM_SLOTS)),
  },
  [M.VHOST_USER_SET_MEM_TABLE]: {
    name: 'SET_MEM_TABLE', size: [8, 8 + VHOST_MEMORY_BASELINE_NREGIONS * VHOST_USER_MEMORY_REGION_SIZE], fds: [1, VHOST_MEMORY_BASELINE_NREGIONS], reply: 'ack',
    handle: (c, m) => {
      const n = u32(m.payload, 0);
      // "the number of file descriptors must match the number of regions"
      if (n !== m.fds.length || m.payload.length !== 8 + n * VHOST_USER_MEMORY_REGION_SIZE) {
        throw new VhostUserProtocolError(`SET_MEM_TABLE with ${n} regions, ${m.fds.length} fds and ${m.payload.length} bytes`);
      }
      c.dropMemory();
      const fds = [...m.fds];
      m.fds.length = 0;
      for (let i = 0; i < n; i++) {
        try {
          addRegion(c, m.payload, 8 + i * VHOST_USER_MEMORY_REGION_SIZE, fds[i]!);
        } catch (e: unknown) {
          closeFds(fds.slice(i + 1));
          throw e;
        }
      }
      c.startRings();
    },
  },
  [M.VHOST_USER_ADD_MEM_REG]: {
    name: 'ADD_MEM_REG', size: 8 + VHOST_USER_MEMORY_REGION_SIZE, fds: [1, 1], reply: 'ack', gate: PF.CONFIGURE_MEM_SLOTS,
    handle: (c, m) => {
      if (c.memory.regionCount >= VHOST_USER_MAX_MEM_SLOTS) throw new VhostUserProtocolError('more memory regions than GET_MAX_MEM_SLOTS allows');
      const fd = m.fds.pop()!;
      addRegion(c, m.payload, 8, fd);
      c.startRings();
    },
  },
  [M.VHOST_USER_REM_MEM_REG]: {
    name: 'REM_MEM_REG', size: 8 + VHOST_USER_MEMORY_REGION_SIZE, fds: [0, 1], reply: 'ack', gate: PF.CONFIGURE_MEM_SLOTS,
    handle: (c, m) => c.removeRegion(readAddress(m.payload, 8), readAddress(m.payload, 16)),
  },
  [M.VHOST_USER_SET_VRING_NUM]: {
    name: 'SET_VRING_NUM', size: 8, fds: [0, 0], reply: 'ack',
    handle: (c, m) => {
      const num = u32(m.payload, 4);
      // The split ring size is a power of two no larger than 32768, nor than the device allows.
      const max = c.backend.maxQueueSize ?? VIRTQ_MAX_SIZE;
      if (num === 0 || num > max || (num & (num - 1)) !== 0) throw new VhostUserProtocolError(`vring size ${num} is not a power of two up to ${max}`);
      vringOf(c, u32(m.payload, 0)).num = num;
    },
  },
  [M.VHOST_USER_SET_VRING_ADDR]: {
    name: 'SET_VRING_ADDR', size: 40, fds: [0, 0], reply: 'ack',
    handle: (c, m) => {
      const v = vringOf(c, u32(m.payload, 0));
      [v.descAddr, v.usedAddr, v.availAddr] = [readAddress(m.payload, 8), readAddress(m.payload, 16), readAddress(m.payload, 24)];
      c.startRings();
    },
  },
  [M.VHOST_USER_SET_VRING_BASE]: {
    name: 'SET_VRING_BASE', size: 8, fds: [0, 0], reply: 'ack',
    handle: (c, m) => {
      vringOf(c, u32(m.payload, 0)).base = u32(m.payload, 4) & 0xffff;
    },
  },
  [M.VHOST_USER_GET_VRING_BASE]: {
    name: 'GET_VRING_BASE', size: 8, fds: [0, 0], reply: 'reply',
    handle: (c, m) => {
      // "stops the vring and returns the next available index" (not 0: a DPDK bug we avoid)
      const index = u32(m.payload, 0);
      const next = vringOf(c, index).stop();
      const b = Buffer.alloc(8);
      b.writeUInt32LE(index, 0);
      b.writeUInt32LE(next, 4);
      return b;
    },
  },
  [M.VHOST_USER_SET_VRING_KICK]: { name: 'SET_VRING_KICK', size: 8, fds: [0, 1], reply: 'ack', handle: (c, m) => setVringFd(c, m, 'kickFd') },
  [M.VHOST_USER_SET_VRING_CALL]: { name: 'SET_VRING_CALL', size: 8, fds: [0, 1], reply: 'ack', handle: (c, m) => setVringFd(c, m, 'callFd') },
  [M.VHOST_USER_SET_VRING_ERR]: { name: 'SET_VRING_ERR', size: 8, fds: [0, 1], reply: 'ack', handle: (c, m) => setVringFd(c, m, 'errFd') },
  [M.VHOST_USER_SET_VRING_ENABLE]: {
    name: 'SET_VRING_ENABLE', size: 8, fds: [0, 0], reply: 'ack',
    handle: (c, m) => {
      vringOf(c, u32(m.payload, 0)).setEnabled(u32(m.payload, 4) !== 0);
    },
  },
  [M.VHOST_USER_GET_CONFIG]: {
    name: 'GET_CONFIG', size: [12, 12 + 256], fds: [0, 0], reply: 'reply', gate: PF.CONFIG,
    handle: (c, m) => {
      const [offset, size] = [u32(m.payload, 0), u32(m.payload, 4)];
      const cfg = c.backend.config() ?? new Uint8Array(0);
      if (m.payload.length !== 12 + size || offset + size > cfg.length) throw new VhostUserProtocolError(`GET_CONFIG of ${size} bytes at ${offset} outside a ${cfg.length}-byte config`);
      const reply = Buffer.from(m.payload);
      reply.set(cfg.subarray(offset, offset + size), 12);
      return reply;
    },
  },
  [M.VHOST_USER_SET_CONFIG]: {
    name: 'SET_CONFIG', size: [12, 12 + 256], fds: [0, 0], reply: 'ack', gate: PF.CONFIG,
    // The virtio-crypto config space is read-only for the driver.
    handle: () => false,
  },
  [M.VHOST_USER_CREATE_CRYPTO_SESSION]: {
    name: 'CREATE_CRYPTO_SESSION', size: [VHOST_USER_CRYPTO_SESSION_LEGACY_SIZE, VHOST_USER_CRYPTO_SESSION_SIZE], fds: [0, 0], reply: 'reply', gate: PF.CRYPTO_SESSION,
    handle: (c, m) => {
      const reply = c.backend.createCryptoSession?.(m.payload);
      if (reply === undefined || reply.length !== m.payload.length) throw new VhostUserProtocolError(`crypto session payload of ${m.payload.length} bytes matches no known layout`);
      return reply;
    },
  },
  [M.VHOST_USER_CLOSE_CRYPTO_SESSION]: {
    name: 'CLOSE_CRYPTO_SESSION', size: 8, fds: [0, 0], reply: 'ack', gate: PF.CRYPTO_SESSION,
    handle: (c, m) => c.backend.closeCryptoSession?.(u64(m.payload, 0)) ?? false,
  },
  [M.VHOST_USER_RESET_DEVICE]: { name: 'RESET_DEVICE', size: [0, 8], fds: [0, 0], reply: 'ack', gate: PF.RESET_DEVICE, handle: (c) => c.resetDevice() },
};

/** Linux's O_NONBLOCK (asm-generic/fcntl.h), as /proc/self/fdinfo shows it in `flags:` (octal). */
const O_NONBLOCK = 0o4000;

/**
 * Whether a received fd is a non-blocking eventfd, as QEMU's are (EFD_NONBLOCK). A blocking fd
 * could stall the device's one thread for good; a pipe or socket at EOF would wake it forever.
 */
function isNonBlockingEventfd(fd: number): boolean {
  try {
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const flags = /^flags:\s*([0-7]+)$/m.exec(info);
    return flags !== null && (parseInt(flags[1]!, 8) & O_NONBLOCK) !== 0 && /^eventfd-count:/m.test(info);
  } catch {
    // no fdinfo for it: treat it as unusable
    return false;
  }
}

function setVringFd(c: ConnectionState, m: Message, which: 'kickFd' | 'callFd' | 'errFd'): void {
  const word = u32(m.payload, 0);
  const index = word & VHOST_USER_VRING_IDX_MASK;
  const noFd = (word & VHOST_USER_VRING_NOFD_MASK) !== 0;
  // "bit 8 set means there is no file descriptor"; otherwise exactly one must come with it.
  if (noFd !== (m.fds.length === 0)) throw new VhostUserProtocolError(`SET_VRING_${which.slice(0, -2).toUpperCase()} fd flag and ${m.fds.length} fds disagree`);
  if (!noFd && !isNonBlockingEventfd(m.fds[0]!)) throw new VhostUserProtocolError(`SET_VRING_${which.slice(0, -2).toUpperCase()} with an fd that is no non-blocking eventfd`);
  const v = vringOf(c, index);
  const fd = noFd ? -1 : m.fds.pop()!;
  if (which === 'kickFd') {
    v.setKick(fd);
    c.startRings();
  } else {
    v.replace(which, fd);
  }
}

export function messageName(request: number): string {
  return TABLE[request]?.name ?? `UNKNOWN(${request})`;
}

/**
 * Checks and handles one message. Returns the reply payload to send, or undefined for none.
 * Throws VhostUserProtocolError; the caller closes the connection and every fd of the message.
 */
export function dispatch(c: ConnectionState, m: Message): Uint8Array | undefined {
  const e = TABLE[m.request];
  if (e === undefined) throw new VhostUserProtocolError(`unknown request ${m.request}`);
  const [min, max] = typeof e.size === 'number' ? [e.size, e.size] : e.size;
  if (m.payload.length < min || m.payload.length > max) throw new VhostUserProtocolError(`${e.name} with a ${m.payload.length}-byte payload (expected ${min === max ? min : `${min}..${max}`})`);
  if (m.fds.length < e.fds[0] || m.fds.length > e.fds[1]) throw new VhostUserProtocolError(`${e.name} with ${m.fds.length} fds (expected ${e.fds[0]}..${e.fds[1]})`);
  if (e.gate !== undefined && (c.protocolFeatures & bit(e.gate)) === 0n) throw new VhostUserProtocolError(`${e.name} needs a protocol feature that was not negotiated`);
  const out = e.handle(c, m);
  closeFds(m.fds); // fds a handler did not take
  if (e.reply === 'reply') return out instanceof Uint8Array ? out : undefined;
  const wantsAck = (m.flags & VHOST_USER_NEED_REPLY_MASK) !== 0 && (c.protocolFeatures & bit(PF.REPLY_ACK)) !== 0n;
  return wantsAck ? u64Payload(out === false ? 1n : 0n) : undefined;
}
