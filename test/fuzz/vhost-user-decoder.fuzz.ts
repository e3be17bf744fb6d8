// SPDX-License-Identifier: Apache-2.0
/**
 * Fuzz target: the vhost-user message decoder (MessageReader over a byte stream cut into the
 * chunks the input says) and the dispatch table's size, fd-count and feature checks with their
 * handlers, over a connection state with the real vrings and the real virtio-crypto adapter (so
 * cryptodev session payloads in every QEMU layout are parsed too). No fds are passed: mapping
 * and fd handling are covered by test/hostile with real fds. Seeds: the message sequence the
 * project frontend sends in both modes, sessions in the three QEMU layouts. A bug is any
 * exception other than VhostUserProtocolError (which drops the connection).
 */
import { describe, expect, it } from 'vitest';
import { createCryptoBackend } from '../../device-core/src/backends/index.js';
import { CryptoDevice } from '../../device-core/src/crypto/device.js';
import { GuestMemory } from '../../device-core/src/memory/guest-memory.js';
import { closeFds } from '../../device-core/src/os/index.js';
import { VHOST_USER as M, VHOST_USER_NEED_REPLY_MASK, VHOST_USER_PROTOCOL_F as PF, VHOST_USER_VERSION } from '../../device-core/src/spec/vhost-user.js';
import { VIRTIO_CRYPTO_CIPHER as C } from '../../device-core/src/spec/virtio-crypto.js';
import { cryptodevSessionPayload } from '../../device-core/src/testing/cryptodev-session.js';
import { ctrl } from '../../device-core/src/testing/request-builder.js';
import { NO_TRACE } from '../../device-core/src/util/trace.js';
import { MessageReader } from '../../device-core/src/vhost-user/codec.js';
import { dispatch } from '../../device-core/src/vhost-user/dispatch.js';
import { VhostUserProtocolError } from '../../device-core/src/vhost-user/errors.js';
import type { ConnectionState } from '../../device-core/src/vhost-user/state.js';
import { Vring } from '../../device-core/src/vhost-user/vring.js';
import { VhostUserCrypto } from '../../device-core/src/vhu-crypto.js';
import { corpusDirFor, fuzz, fuzzSeconds } from './engine.js';

const backend = new VhostUserCrypto({ device: new CryptoDevice({ backend: createCryptoBackend('software'), maxDataQueues: 1, maxSessions: 16, maxSize: 1 << 16 }), dataQueues: 1 });

function connectionState(): ConnectionState {
  const vrings = Array.from({ length: backend.numQueues }, (_, i) => new Vring(i, backend, NO_TRACE, () => undefined));
  const memory = new GuestMemory();
  return {
    backend,
    ackedFeatures: 0n,
    protocolFeatures: 0n,
    memory,
    vrings,
    // The stream carries no fds, so no region is ever mapped; were one, it would live as long as the state.
    addMappedRegion: (region, _mapping, fd) => {
      memory.add(region);
      closeFds([fd]);
    },
    dropMemory: () => vrings.forEach((v) => v.stop()),
    removeRegion: (gpa, size) => void memory.remove(gpa, size),
    startRings: () => vrings.forEach((v) => v.tryStart(memory, false)),
    resetDevice: () => {
      vrings.forEach((v) => v.stop());
      backend.reset();
    },
  };
}

/** Input: one salt byte for the chunking, then the stream the frontend sends. */
function decode(d: Uint8Array): void {
  const c = connectionState();
  const reader = new MessageReader();
  const stream = d.subarray(1);
  let salt = d[0] ?? 0;
  try {
    for (let at = 0; at < stream.length; ) {
      salt = (salt * 37 + 11) & 0xff;
      const n = Math.min(stream.length - at, 1 + (salt % 97));
      for (const m of reader.push(stream.subarray(at, at + n), [])) dispatch(c, m);
      at += n;
    }
  } catch (e: unknown) {
    if (!(e instanceof VhostUserProtocolError)) throw e;
  } finally {
    backend.reset();
  }
}

function msg(request: number, payload: Uint8Array = new Uint8Array(0), flags = VHOST_USER_VERSION): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32LE(request, 0);
  h.writeUInt32LE(flags, 4);
  h.writeUInt32LE(payload.length, 8);
  return Buffer.concat([h, payload]);
}
const u64 = (v: bigint): Buffer => Buffer.from(new BigUint64Array([v]).buffer);
const u32s = (...v: number[]): Buffer => Buffer.from(new Uint32Array(v).buffer);
const bit = (n: number): bigint => 1n << BigInt(n);

function setUp(protocol: bigint): Buffer[] {
  const addr = Buffer.alloc(40);
  addr.writeBigUInt64LE(0x7f00_0000_0000n, 8);
  addr.writeBigUInt64LE(0x7f00_0000_1000n, 16);
  addr.writeBigUInt64LE(0x7f00_0000_0800n, 24);
  const cfg = Buffer.alloc(12 + 56);
  cfg.writeUInt32LE(56, 4);
  return [
    msg(M.VHOST_USER_GET_FEATURES),
    msg(M.VHOST_USER_GET_PROTOCOL_FEATURES),
    msg(M.VHOST_USER_SET_PROTOCOL_FEATURES, u64(protocol)),
    msg(M.VHOST_USER_SET_OWNER),
    msg(M.VHOST_USER_GET_CONFIG, cfg),
    msg(M.VHOST_USER_SET_FEATURES, u64(bit(30) | bit(32))),
    msg(M.VHOST_USER_GET_QUEUE_NUM),
    msg(M.VHOST_USER_GET_MAX_MEM_SLOTS),
    msg(M.VHOST_USER_SET_VRING_NUM, u32s(0, 256)),
    msg(M.VHOST_USER_SET_VRING_BASE, u32s(0, 0)),
    msg(M.VHOST_USER_SET_VRING_ADDR, addr),
    msg(M.VHOST_USER_SET_VRING_CALL, u64(0x100n)),
    msg(M.VHOST_USER_SET_VRING_KICK, u64(0x100n)),
    msg(M.VHOST_USER_SET_VRING_ENABLE, u32s(0, 1)),
    msg(M.VHOST_USER_GET_VRING_BASE, u32s(0, 0)),
    msg(M.VHOST_USER_REM_MEM_REG, Buffer.alloc(40)),
    msg(M.VHOST_USER_SET_OWNER, new Uint8Array(0), VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK),
  ];
}

function sessions(): Buffer[] {
  const [h, key] = ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, Buffer.alloc(16, 1), 1).readable;
  const out: Buffer[] = [];
  for (const layout of ['qemu-2.12-7.0', 'qemu-7.1-8.0', 'qemu-8.1'] as const) {
    out.push(msg(M.VHOST_USER_CREATE_CRYPTO_SESSION, cryptodevSessionPayload(layout, h!, key!, new Uint8Array(0))!));
  }
  out.push(msg(M.VHOST_USER_CLOSE_CRYPTO_SESSION, u64(1n), VHOST_USER_VERSION | VHOST_USER_NEED_REPLY_MASK), msg(M.VHOST_USER_RESET_DEVICE));
  return out;
}

const ALL = bit(PF.MQ) | bit(PF.REPLY_ACK) | bit(PF.CONFIG) | bit(PF.CRYPTO_SESSION) | bit(PF.CONFIGURE_MEM_SLOTS) | bit(PF.RESET_DEVICE);
const SEEDS = [
  Buffer.concat([Buffer.from([0]), ...setUp(ALL)]),
  Buffer.concat([Buffer.from([7]), ...setUp(bit(PF.REPLY_ACK) | bit(PF.CRYPTO_SESSION)), ...sessions()]),
  Buffer.concat([Buffer.from([3]), msg(M.VHOST_USER_SET_PROTOCOL_FEATURES, u64(ALL)), ...sessions()]),
];

describe('fuzzing the vhost-user message decoder and dispatch checks', () => {
  it('turns any byte stream into messages or a VhostUserProtocolError, nothing else', () => {
    for (const s of SEEDS) decode(s);
    const r = fuzz({ name: 'vhost-user-decoder', seeds: SEEDS, seconds: fuzzSeconds(30), maxLen: 8192, corpusDir: corpusDirFor('vhost-user-decoder'), target: decode });
    console.log(`${r.name}: ${r.execs} runs, ${r.corpus} corpus entries, ${r.features} coverage features`);
    expect(r.crash, r.crash === undefined ? '' : `input ${r.crash.input} (saved as ${r.crash.file}): ${r.crash.error}`).toBeUndefined();
    expect(r.execs).toBeGreaterThan(r.corpus);
  });
});
