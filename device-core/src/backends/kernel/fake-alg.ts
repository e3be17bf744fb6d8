// SPDX-License-Identifier: Apache-2.0
/**
 * A fake AF_ALG for tests on hosts without it: the AlgApi calls the kernel backend makes, with
 * the arithmetic done by the software backend and the kernel's socket semantics kept where the
 * backend depends on them: a key set on the transform socket, operation sockets accepted from
 * it, MSG_MORE parts whose IV chains from one read to the next (CBC, CTR), the AEAD output
 * carrying the AAD first, EBADMSG for a tag that fails, errno-coded throws. It serves the
 * kernel names in FAKE_ALGORITHMS and counts open fds so tests can check nothing leaks.
 * Test-only; knows nothing of virtio.
 */
import { SoftwareBackend } from '../software/index.js';
import type { BackendSession, CryptoBackend, SessionParams } from '../types.js';
import type { AlgApi } from './alg-api.js';

/** Kernel name → our algorithm, for what the fake serves. */
export const FAKE_ALGORITHMS = {
  'cbc(aes)': { kind: 'cipher', algorithm: 'aes-cbc' },
  'ctr(aes)': { kind: 'cipher', algorithm: 'aes-ctr' },
  sha256: { kind: 'hash', algorithm: 'sha256' },
  'hmac(sha256)': { kind: 'mac', algorithm: 'hmac-sha256' },
  'gcm(aes)': { kind: 'aead', algorithm: 'aes-gcm' },
} as const;

type FakeName = keyof typeof FAKE_ALGORITHMS;

interface Tfm {
  readonly name: FakeName;
  key: Uint8Array;
  authSize: number;
}

interface OpSocket {
  readonly tfm: Tfm;
  op: number;
  iv: Uint8Array;
  assocLen: number;
  pending: Uint8Array[];
  more: boolean;
}

const errno = (code: string): Error => Object.assign(new Error(`fake AF_ALG: ${code}`), { code });
const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

export class FakeAlg implements AlgApi {
  /** Set to make socket(AF_ALG) fail as on a kernel without it. */
  missing = false;
  /** Kernel names bind() refuses with ENOENT although they are in the table. */
  readonly absent = new Set<string>();
  private readonly sw: CryptoBackend = new SoftwareBackend();
  private readonly tfms = new Map<number, Tfm>();
  private readonly ops = new Map<number, OpSocket>();
  private nextFd = 1000;
  readonly calls = { send: 0, recv: 0 };

  /** Open transform plus operation sockets. */
  get openFds(): number {
    return this.tfms.size + this.ops.size;
  }

  /** `driverFor` maps a driver name (as in the fake /proc/crypto) to the kernel name it implements. */
  constructor(private readonly driverFor: Readonly<Record<string, string>> = {}) {}

  bind(_type: string, name: string): number {
    if (this.missing) throw errno('EAFNOSUPPORT');
    const kernelName = (this.driverFor[name] ?? name) as FakeName;
    if (!(kernelName in FAKE_ALGORITHMS) || this.absent.has(kernelName)) throw errno('ENOENT');
    const fd = this.nextFd++;
    this.tfms.set(fd, { name: kernelName, key: new Uint8Array(0), authSize: 16 });
    return fd;
  }

  setKey(fd: number, key: Uint8Array): void {
    const t = this.tfm(fd);
    if (t.name !== 'hmac(sha256)' && ![16, 24, 32].includes(key.length)) throw errno('EINVAL');
    t.key = Uint8Array.from(key);
  }

  setAuthSize(fd: number, tagLen: number): void {
    this.tfm(fd).authSize = tagLen;
  }

  accept(fd: number): number {
    const op = this.nextFd++;
    this.ops.set(op, { tfm: this.tfm(fd), op: -1, iv: new Uint8Array(0), assocLen: 0, pending: [], more: false });
    return op;
  }

  send(fd: number, op: number, iv: Uint8Array | null, assocLen: number, inputs: readonly Uint8Array[], more: boolean): number {
    this.calls.send++;
    const s = this.op(fd);
    if (op >= 0) {
      s.op = op;
      s.iv = Uint8Array.from(iv ?? []);
      s.assocLen = assocLen;
    }
    s.pending.push(concat(inputs));
    s.more = more;
    return inputs.reduce((n, b) => n + b.length, 0);
  }

  recv(fd: number, outputs: readonly Uint8Array[]): number {
    this.calls.recv++;
    const s = this.op(fd);
    const input = concat(s.pending);
    s.pending = [];
    const result = this.compute(s, input);
    let at = 0;
    for (const o of outputs) {
      o.set(result.subarray(at, at + o.length));
      at += o.length;
    }
    return Math.min(at, result.length);
  }

  close(fd: number): void {
    if (!this.tfms.delete(fd) && !this.ops.delete(fd)) throw errno('EBADF');
  }

  private compute(s: OpSocket, input: Uint8Array): Uint8Array {
    const spec = FAKE_ALGORITHMS[s.tfm.name];
    const params = { kind: spec.kind, algorithm: spec.algorithm, key: s.tfm.key, resultLen: 32, tagLen: s.tfm.authSize } as unknown as SessionParams;
    const session = this.must(this.sw.createSession(params));
    try {
      const direction = s.op === 1 ? 'encrypt' : 'decrypt';
      switch (spec.kind) {
        case 'hash':
          return this.must(this.sw.run(session, { kind: 'hash', src: input }));
        case 'mac':
          return this.must(this.sw.run(session, { kind: 'mac', src: input, iv: new Uint8Array(0) }));
        case 'aead': {
          const aad = input.subarray(0, s.assocLen);
          const r = this.sw.run(session, { kind: 'aead', direction, iv: s.iv, aad, src: input.subarray(s.assocLen) });
          if (!r.ok) throw errno(r.error.kind === 'auth-failed' ? 'EBADMSG' : 'EINVAL');
          return concat([aad, r.value]);
        }
        case 'cipher': {
          const out = this.must(this.sw.run(session, { kind: 'cipher', direction, iv: s.iv, src: input }));
          s.iv = nextIv(spec.algorithm, s.iv, direction === 'encrypt' ? out : input);
          return out;
        }
      }
    } finally {
      this.sw.destroySession(session as BackendSession);
    }
  }

  private must<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
    if (!r.ok) throw errno('EINVAL');
    return r.value;
  }

  private tfm(fd: number): Tfm {
    const t = this.tfms.get(fd);
    if (t === undefined) throw errno('EBADF');
    return t;
  }

  private op(fd: number): OpSocket {
    const o = this.ops.get(fd);
    if (o === undefined) throw errno('EBADF');
    return o;
  }
}

/** The IV the kernel leaves for the next part: CBC's last ciphertext block, CTR's next counter. */
function nextIv(algorithm: string, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (algorithm === 'aes-cbc') return ciphertext.length >= 16 ? ciphertext.slice(ciphertext.length - 16) : iv;
  const next = Uint8Array.from(iv);
  let add = Math.ceil(ciphertext.length / 16);
  for (let i = 15; i >= 0 && add > 0; i--) {
    const v = next[i]! + (add & 0xff);
    next[i] = v & 0xff;
    add = Math.floor(add / 256) + (v >> 8);
  }
  return next;
}
