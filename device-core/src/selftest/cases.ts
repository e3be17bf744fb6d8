// SPDX-License-Identifier: Apache-2.0
/**
 * The self-test cases: for every algorithm the device advertises (its config space masks), build
 * requests the way a guest does, send them through a Transport and compare status and output with
 * known answers (vectors.ts). One result per algorithm and operation. Knows nothing of sockets:
 * the transport is the project's frontend over a real device, or an in-process device in tests.
 */
import { AEAD_BY_ID, CIPHER_BY_ID, HASH_BY_ID, MAC_BY_ID } from '../crypto/algorithms.js';
import { VIRTIO_CRYPTO_CTRL_OP as CTRL, VIRTIO_CRYPTO_DATA_OP as DATA, VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import { statusName } from '../crypto/status.js';
import { ctrl, data, type LogicalRequest } from '../testing/request-builder.js';
import { SELFTEST_VECTORS as V } from './vectors.js';

export interface Transport {
  createSession(req: LogicalRequest): Promise<{ status: number; sessionId: bigint }>;
  destroySession(req: LogicalRequest, sessionId: bigint): Promise<number>;
  /** Submits a data request; returns the output bytes (writable area without the status) and the status. */
  run(req: LogicalRequest): Promise<{ out: Uint8Array; status: number; usedLen: number }>;
}

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const idOf = <T>(t: ReadonlyMap<number, T>, n: T): number | undefined => [...t].find(([, v]) => v === n)?.[0];

/** Which algorithm ids the device advertises, read from its 56-byte config. */
export function advertised(config: Uint8Array): { cipher: bigint; hash: number; mac: bigint; aead: number; akcipher: number } {
  const b = Buffer.from(config.buffer, config.byteOffset, config.length);
  return {
    cipher: BigInt(b.readUInt32LE(12)) | (BigInt(b.readUInt32LE(16)) << 32n),
    hash: b.readUInt32LE(20),
    mac: BigInt(b.readUInt32LE(24)) | (BigInt(b.readUInt32LE(28)) << 32n),
    aead: b.readUInt32LE(32),
    akcipher: b.readUInt32LE(44),
  };
}

/**
 * The config QEMU's cryptodev-vhost-user shows a guest (QEMU keeps it in cryptodev mode), widened
 * to every cipher id the cases use so the device, not the mask, answers.
 */
export function cryptodevGuestConfig(): Uint8Array {
  const b = Buffer.alloc(56);
  b.writeUInt32LE(1, 0); // status: HW_READY
  b.writeUInt32LE(1, 4); // max_dataqueues
  b.writeUInt32LE(0b111, 8); // crypto_services: cipher, hash, mac
  b.writeUInt32LE(0xffff, 12); // cipher_algo_l
  return b;
}

/** The vectors whose algorithm the device advertises in `mask`, with the algorithm's virtio id. */
export function advertisedVectors<T extends { readonly algorithm: string }>(vectors: readonly T[], table: ReadonlyMap<number, string>, mask: bigint | number): { v: T; id: number }[] {
  const out: { v: T; id: number }[] = [];
  for (const v of vectors) {
    const id = idOf(table, v.algorithm);
    if (id !== undefined && (BigInt(mask) & (1n << BigInt(id))) !== 0n) out.push({ v, id });
  }
  return out;
}

export type Check = () => Promise<string | undefined>;

export function expectOut(name: string, got: { out: Uint8Array; status: number }, want: Buffer): string | undefined {
  if (got.status !== S.VIRTIO_CRYPTO_OK) return `${name}: status ${statusName(got.status)}`;
  const out = Buffer.from(got.out).subarray(0, want.length);
  return out.equals(want) ? undefined : `${name}: output differs from the known answer`;
}

async function session(t: Transport, req: LogicalRequest): Promise<bigint> {
  const s = await t.createSession(req);
  if (s.status !== S.VIRTIO_CRYPTO_OK) throw new Error(`session refused with ${statusName(s.status)}`);
  return s.sessionId;
}

/** Runs `fn` on a new session and destroys the session afterwards, whatever `fn` found. */
async function withSession<T>(t: Transport, req: LogicalRequest, destroyOp: number, fn: (sid: bigint) => Promise<T>): Promise<T> {
  const sid = await session(t, req);
  try {
    return await fn(sid);
  } finally {
    await t.destroySession(ctrl.destroy(destroyOp, sid), sid);
  }
}

export function buildCases(t: Transport, config: Uint8Array, opts: { symmetricOnly?: boolean } = {}): { name: string; check: Check }[] {
  const adv = advertised(config);
  const cases: { name: string; check: Check }[] = [];
  for (const { v, id } of advertisedVectors(V.cipher, CIPHER_BY_ID, adv.cipher)) {
    for (const encrypt of [true, false]) {
      cases.push({
        name: `cipher ${v.algorithm} ${encrypt ? 'encrypt' : 'decrypt'}`,
        check: async () => {
          const sid = await session(t, ctrl.cipherSession(id, hex(v.key), encrypt ? 1 : 2));
          const r = await t.run(data.cipher(sid, encrypt, hex(v.iv), hex(encrypt ? v.plaintext : v.ciphertext)));
          await t.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_CIPHER_DESTROY_SESSION, sid), sid);
          return expectOut('result', r, hex(encrypt ? v.ciphertext : v.plaintext));
        },
      });
    }
  }
  if (opts.symmetricOnly) return cases;
  for (const { v, id } of advertisedVectors(V.hash, HASH_BY_ID, adv.hash)) {
    cases.push({
      name: `hash ${v.algorithm}`,
      check: async () => {
        const d = hex(v.digest);
        const sid = await session(t, ctrl.hashSession(id, d.length));
        const r = await t.run(data.hash(sid, hex(v.message), d.length));
        await t.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_HASH_DESTROY_SESSION, sid), sid);
        return expectOut('digest', r, d);
      },
    });
  }
  for (const { v, id } of advertisedVectors(V.mac, MAC_BY_ID, adv.mac)) {
    cases.push({
      name: `mac ${v.algorithm}`,
      check: async () => {
        const tag = hex(v.tag);
        const sid = await session(t, ctrl.macSession(id, tag.length, hex(v.key)));
        // GMAC's nonce leads the data: the MAC request has no IV field.
        const msg = v.algorithm === 'gmac-aes' ? Buffer.concat([hex(v.iv), hex(v.message)]) : hex(v.message);
        const r = await t.run(data.mac(sid, msg, tag.length));
        await t.destroySession(ctrl.destroy(CTRL.VIRTIO_CRYPTO_MAC_DESTROY_SESSION, sid), sid);
        return expectOut('tag', r, tag);
      },
    });
  }
  for (const { v, id } of advertisedVectors(V.aead, AEAD_BY_ID, adv.aead)) {
    const [key, iv, aad, pt, ct, tag] = [v.key, v.iv, v.aad, v.plaintext, v.ciphertext, v.tag].map(hex) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
    cases.push({
      name: `aead ${v.algorithm} encrypt`,
      check: async () => {
        return withSession(t, ctrl.aeadSession(id, key, tag.length, aad.length, 1), CTRL.VIRTIO_CRYPTO_AEAD_DESTROY_SESSION, async (sid) => {
          const r = await t.run(data.aead(sid, true, iv, aad, pt, pt.length + tag.length));
          return expectOut('sealed', r, Buffer.concat([ct, tag]));
        });
      },
    });
    cases.push({
      name: `aead ${v.algorithm} decrypt (and BADMSG on a bad tag)`,
      check: async () => {
        return withSession(t, ctrl.aeadSession(id, key, tag.length, aad.length, 2), CTRL.VIRTIO_CRYPTO_AEAD_DESTROY_SESSION, async (sid) => {
          const sealed = Buffer.concat([ct, tag]);
          const r = await t.run(data.aead(sid, false, iv, aad, sealed, pt.length));
          const bad = Buffer.from(sealed);
          bad[bad.length - 1]! ^= 1;
          const b = await t.run(data.aead(sid, false, iv, aad, bad, pt.length));
          return expectOut('opened', r, pt) ?? (b.status === S.VIRTIO_CRYPTO_BADMSG ? undefined : `bad tag gave ${statusName(b.status)}`);
        });
      },
    });
  }
  for (const v of V.akcipher) {
    const rsa = v.algorithm === 'rsa';
    if ((adv.akcipher & (1 << (rsa ? 1 : 3))) === 0) continue;
    const algo = rsa ? 1 : 3;
    const p0 = rsa ? (v.padding === 'pkcs1' ? 1 : 0) : v.algorithm === 'ecdsa-p256' ? 3 : 4;
    const p1 = rsa ? ({ none: 0, sha1: 5, sha256: 6 } as Record<string, number>)[v.hash] ?? 0 : 0;
    const [priv, pub, input, output] = [v.privateKey, v.publicKey, v.input, v.output].map(hex) as [Buffer, Buffer, Buffer, Buffer];
    if (v.operation === 'sign' || v.operation === 'encrypt') {
      cases.push({
        name: `akcipher ${v.algorithm} ${v.padding} ${v.operation}`,
        check: async () => {
          const sign = v.operation === 'sign';
          return withSession(t, ctrl.akcipherSession(algo, sign ? 2 : 1, sign ? priv : pub, p0, p1), CTRL.VIRTIO_CRYPTO_AKCIPHER_DESTROY_SESSION, async (sid) => {
            const r = await t.run(data.akcipher(sign ? DATA.VIRTIO_CRYPTO_AKCIPHER_SIGN : DATA.VIRTIO_CRYPTO_AKCIPHER_ENCRYPT, sid, input, 512));
            if (r.usedLen !== output.length + 1) return `used length ${r.usedLen}, expected ${output.length + 1}`;
            return expectOut('result', r, output);
          });
        },
      });
    }
    if (v.operation !== 'encrypt') {
      cases.push({
        name: `akcipher ${v.algorithm} verify (and KEY_REJECTED on a forged signature)`,
        check: async () => {
          return withSession(t, ctrl.akcipherSession(algo, 1, pub, p0, p1), CTRL.VIRTIO_CRYPTO_AKCIPHER_DESTROY_SESSION, async (sid) => {
            const good = await t.run(data.verify(sid, output, input));
            const forged = Buffer.from(output);
            forged[4]! ^= 0x20;
            const bad = await t.run(data.verify(sid, forged, input));
            if (good.status !== S.VIRTIO_CRYPTO_OK) return `verify gave ${statusName(good.status)}`;
            return bad.status === S.VIRTIO_CRYPTO_KEY_REJECTED ? undefined : `forged signature gave ${statusName(bad.status)}`;
          });
        },
      });
    }
  }
  return cases;
}

export async function runCases(cases: { name: string; check: Check }[], onResult: (r: CaseResult) => void): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    let detail: string | undefined;
    try {
      detail = await c.check();
    } catch (e: unknown) {
      detail = e instanceof Error ? e.message : String(e);
    }
    const ok = detail === undefined;
    if (ok) passed++;
    else failed++;
    onResult({ name: c.name, ok, detail: detail ?? 'ok' });
  }
  return { passed, failed };
}
