// SPDX-License-Identifier: Apache-2.0
/**
 * The kernel backend: CryptoBackend over the Linux kernel crypto API through AF_ALG sockets, the
 * way a userspace process reaches hardware accelerators (QAT, CCP, CAAM, ...) without a vendor
 * SDK. Files:
 *   proc-crypto.ts  /proc/crypto parser
 *   classify.ts     hardware-vs-software rule for driver names
 *   algorithms.ts   our algorithm names → kernel names, socket types and size limits
 *   discovery.ts    what the kernel serves, through which driver (start-up probe)
 *   alg-api.ts      the AF_ALG calls (os/ wrappers; tests pass a fake)
 *   session.ts      one session = one keyed transform socket + one operation socket
 *   errors.ts       start-up errors (AF_ALG missing, unknown --kernel-driver)
 *   fake-alg.ts, fake-proc.ts   test doubles: an AF_ALG computing with the software backend,
 *                   a /proc/crypto of a node with QAT (test-only; hosts without AF_ALG)
 * Sessions are bounded (maxSessions, two sockets each); past the bound createSession refuses
 * with a message saying so, and the auto backend serves that session in software instead.
 * Knows nothing of virtio.
 */
import { err, ok, type Result } from '../../util/result.js';
import {
  BackendError,
  type AlgorithmProvider,
  type BackendCapabilities,
  type BackendSession,
  type CryptoBackend,
  type CryptoOp,
  type SessionParams,
} from '../types.js';
import { nativeAlgApi, type AlgApi } from './alg-api.js';
import { AEADS, CIPHERS, HASHES, MACS } from './algorithms.js';
import { discoverKernelAlgorithms, type KernelAlgorithm } from './discovery.js';
import { PROC_CRYPTO_PATH, readProcCrypto } from './proc-crypto.js';
import { AlgSession, type SessionShape } from './session.js';

export { KernelBackendError, KernelDriverError, KernelUnavailableError } from './errors.js';
export type { KernelAlgorithm } from './discovery.js';
export type { AlgApi } from './alg-api.js';
export { isHardwareDriver } from './classify.js';
export { parseProcCrypto, type ProcCryptoEntry } from './proc-crypto.js';

/** Default bound on open sessions (each holds two sockets). */
export const DEFAULT_MAX_KERNEL_SESSIONS = 512;

export interface KernelBackendOptions {
  /** Pin this kernel driver (its /proc/crypto "driver" name) for the algorithms it serves. */
  readonly kernelDriver?: string;
  readonly maxSessions?: number;
  /** Tests: a fake AF_ALG and another /proc/crypto. */
  readonly api?: AlgApi;
  readonly procCryptoPath?: string;
}

type Service = KernelAlgorithm['service'];

export class KernelBackend implements CryptoBackend {
  readonly name = 'kernel';
  private readonly caps: BackendCapabilities;
  private readonly byKey = new Map<string, KernelAlgorithm>();
  private readonly live = new Set<AlgSession>();
  private readonly api: AlgApi;
  private readonly maxSessions: number;

  /** Discovers what the kernel serves. Throws KernelUnavailableError where AF_ALG is missing. */
  constructor(options: KernelBackendOptions = {}) {
    this.api = options.api ?? nativeAlgApi;
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_KERNEL_SESSIONS;
    const found = discoverKernelAlgorithms({
      api: this.api,
      readProcCrypto: () => readProcCrypto(options.procCryptoPath ?? PROC_CRYPTO_PATH),
      ...(options.kernelDriver !== undefined ? { kernelDriver: options.kernelDriver } : {}),
    });
    for (const a of found) this.byKey.set(`${a.service}/${a.algorithm}`, a);
    const served = <A extends string>(service: Service): Map<A, AlgorithmProvider> =>
      new Map(found.filter((a) => a.service === service).map((a) => [a.algorithm as A, { driver: a.driver, hardware: a.hardware }]));
    this.caps = { cipher: served('cipher'), hash: served('hash'), mac: served('mac'), aead: served('aead'), akcipher: new Map() };
  }

  /** What discovery found, with kernel names and priorities (for `vcrypto capabilities`). */
  algorithms(): KernelAlgorithm[] {
    return [...this.byKey.values()];
  }

  capabilities(): BackendCapabilities {
    return this.caps;
  }

  createSession(p: SessionParams): Result<BackendSession, BackendError> {
    if (p.kind === 'akcipher') return err(new BackendError('not-supported', 'the kernel backend has no asymmetric ciphers (no algif_akcipher)'));
    const found = this.byKey.get(`${p.kind}/${p.algorithm}`);
    if (found === undefined) return err(new BackendError('not-supported', `${p.algorithm} is not served by this kernel`));
    if (this.live.size >= this.maxSessions) {
      return err(new BackendError('internal', `the kernel backend has ${this.maxSessions} sessions open, its limit`));
    }
    let shape: SessionShape;
    let key: Uint8Array | null;
    try {
      [shape, key] = shapeOf(p);
    } catch (e: unknown) {
      return err(e instanceof BackendError ? e : new BackendError('internal', `${p.algorithm} session parameters`, { cause: e }));
    }
    try {
      const s = AlgSession.open(this.api, p.algorithm, shape, found.socket, found.driver, key);
      this.live.add(s);
      return ok(s);
    } catch (e: unknown) {
      // Sizes were checked above; a key the driver still refuses (e.g. a weak DES key) is the key's fault.
      const code = (e as { code?: unknown }).code;
      const kind = code === 'EINVAL' || code === 'ENOKEY' ? 'invalid-key' : 'internal';
      return err(new BackendError(kind, `${p.algorithm} session could not be opened on ${found.driver}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: e }));
    }
  }

  run(session: BackendSession, op: CryptoOp): Result<Uint8Array, BackendError> {
    const s = session as AlgSession;
    if (!this.live.has(s)) return err(new BackendError('invalid-argument', 'session is not open on this backend'));
    try {
      return ok(s.run(op));
    } catch (e: unknown) {
      return err(e instanceof BackendError ? e : new BackendError('internal', `${op.kind} failed`, { cause: e }));
    }
  }

  destroySession(session: BackendSession): void {
    const s = session as AlgSession;
    if (!this.live.delete(s)) return;
    s.close();
  }

  close(): void {
    for (const s of [...this.live]) this.destroySession(s);
  }
}

const sizes = (lens: readonly number[]): string => lens.join(', ');

/** Validates the session parameters against algorithms.ts; returns the shape and the key to set. */
function shapeOf(p: Exclude<SessionParams, { kind: 'akcipher' }>): [SessionShape, Uint8Array | null] {
  const badKey = (a: string, n: number): never => {
    throw new BackendError('invalid-key', `${a} does not take a ${n}-byte key`);
  };
  const badLen = (a: string, what: string, max: string, n: number): never => {
    throw new BackendError('invalid-argument', `${a} ${what} must be ${max}, got ${n}`);
  };
  switch (p.kind) {
    case 'cipher': {
      const spec = CIPHERS[p.algorithm]!;
      if (!spec.keyLens.includes(p.key.length)) badKey(p.algorithm, p.key.length);
      if (p.algorithm === 'aes-xts') {
        const half = p.key.length / 2;
        if (Buffer.compare(p.key.subarray(0, half), p.key.subarray(half)) === 0) throw new BackendError('invalid-key', 'aes-xts needs two different key halves');
      }
      return [{ kind: 'cipher', spec }, p.key];
    }
    case 'hash': {
      const spec = HASHES[p.algorithm]!;
      if (!Number.isInteger(p.resultLen) || p.resultLen < 1 || p.resultLen > spec.digestLen) badLen(p.algorithm, 'result length', `1..${spec.digestLen}`, p.resultLen);
      return [{ kind: 'hash', spec, resultLen: p.resultLen }, null];
    }
    case 'mac': {
      const spec = MACS[p.algorithm]!;
      if (spec.keyLens !== 'any' && !spec.keyLens.includes(p.key.length)) badKey(p.algorithm, p.key.length);
      if (!Number.isInteger(p.resultLen) || p.resultLen < 1 || p.resultLen > spec.macLen) badLen(p.algorithm, 'result length', `1..${spec.macLen}`, p.resultLen);
      return [{ kind: 'mac', spec, resultLen: p.resultLen }, p.key];
    }
    case 'aead': {
      const spec = AEADS[p.algorithm]!;
      if (!spec.keyLens.includes(p.key.length)) badKey(p.algorithm, p.key.length);
      if (!spec.tagLens.includes(p.tagLen)) badLen(p.algorithm, 'tag length', `one of ${sizes(spec.tagLens)}`, p.tagLen);
      return [{ kind: 'aead', spec, tagLen: p.tagLen, ccm: p.algorithm === 'aes-ccm' }, p.key];
    }
  }
}
