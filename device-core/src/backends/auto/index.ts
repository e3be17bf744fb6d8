// SPDX-License-Identifier: Apache-2.0
/**
 * The auto backend: one device, two engines. An algorithm goes to the kernel backend when a
 * hardware kernel driver serves it (or the pinned --kernel-driver does, or OpenSSL lacks it) and
 * to the software backend otherwise; capabilities() reports, per algorithm, the engine that
 * serves it. A request never fails because of the split:
 *  - a kernel session the kernel cannot open for a reason other than the key or the parameters
 *    (its session bound reached, a driver error) is opened in software instead;
 *  - a kernel-routed session also holds a software twin, and a request the kernel path refuses
 *    as 'not-supported' (a GCM nonce other than 96 bits, an AEAD or XTS request larger than one
 *    send) runs on the twin.
 * Errors that are the guest's (bad key, bad sizes, a tag that does not verify) are returned as
 * they are. Without a kernel backend (AF_ALG missing) everything is software.
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

type Service = keyof BackendCapabilities;

export interface AutoBackendOptions {
  /** Undefined when the kernel backend is unavailable. */
  readonly kernel: CryptoBackend | undefined;
  readonly software: CryptoBackend;
  /** A driver pinned with --kernel-driver: what it serves goes to the kernel even if it is software. */
  readonly pinnedDriver?: string;
}

interface AutoSession extends BackendSession {
  readonly engine: 'kernel' | 'software';
  readonly inner: BackendSession;
  readonly twin: BackendSession | undefined;
}

/** Refusals that are the request's own fault: never retried elsewhere. */
const GUEST_FAULTS: ReadonlySet<BackendError['kind']> = new Set(['invalid-key', 'invalid-argument', 'auth-failed', 'signature-invalid']);

export class AutoBackend implements CryptoBackend {
  readonly name = 'auto';
  private readonly caps: BackendCapabilities;
  /** "service/algorithm" → the engine it is routed to. */
  private readonly routes = new Map<string, 'kernel' | 'software'>();
  private readonly kernel: CryptoBackend | undefined;
  private readonly software: CryptoBackend;
  private readonly live = new Set<AutoSession>();

  constructor(o: AutoBackendOptions) {
    this.kernel = o.kernel;
    this.software = o.software;
    const kc = o.kernel?.capabilities();
    const sc = o.software.capabilities();
    const merge = <A extends string>(service: Service, soft: ReadonlyMap<A, AlgorithmProvider>, kern: ReadonlyMap<A, AlgorithmProvider> | undefined): Map<A, AlgorithmProvider> => {
      const out = new Map<A, AlgorithmProvider>();
      for (const algorithm of new Set([...soft.keys(), ...(kern?.keys() ?? [])])) {
        const k = kern?.get(algorithm);
        const useKernel = k !== undefined && (k.hardware || k.driver === o.pinnedDriver || !soft.has(algorithm));
        const provider = useKernel ? k : soft.get(algorithm);
        if (provider === undefined) continue;
        this.routes.set(`${service}/${algorithm}`, useKernel ? 'kernel' : 'software');
        out.set(algorithm, provider);
      }
      return out;
    };
    this.caps = {
      cipher: merge('cipher', sc.cipher, kc?.cipher),
      hash: merge('hash', sc.hash, kc?.hash),
      mac: merge('mac', sc.mac, kc?.mac),
      aead: merge('aead', sc.aead, kc?.aead),
      akcipher: merge('akcipher', sc.akcipher, kc?.akcipher),
    };
  }

  capabilities(): BackendCapabilities {
    return this.caps;
  }

  /** Where an algorithm's sessions go, or undefined when neither engine serves it. */
  routeOf(service: Service, algorithm: string): 'kernel' | 'software' | undefined {
    return this.routes.get(`${service}/${algorithm}`);
  }

  createSession(p: SessionParams): Result<BackendSession, BackendError> {
    const route = this.routeOf(p.kind, p.algorithm) ?? 'software';
    if (route === 'kernel' && this.kernel !== undefined) {
      const k = this.kernel.createSession(p);
      if (k.ok) {
        const twin = this.software.capabilities()[p.kind].has(p.algorithm as never) ? this.software.createSession(p) : undefined;
        return ok(this.track({ params: { kind: p.kind }, engine: 'kernel', inner: k.value, twin: twin?.ok ? twin.value : undefined }));
      }
      if (GUEST_FAULTS.has(k.error.kind) || !this.software.capabilities()[p.kind].has(p.algorithm as never)) return k;
    }
    const s = this.software.createSession(p);
    return s.ok ? ok(this.track({ params: { kind: p.kind }, engine: 'software', inner: s.value, twin: undefined })) : s;
  }

  run(session: BackendSession, op: CryptoOp): Result<Uint8Array, BackendError> {
    const s = session as AutoSession;
    if (!this.live.has(s)) return err(new BackendError('invalid-argument', 'session is not open on this backend'));
    if (s.engine === 'software') return this.software.run(s.inner, op);
    const r = this.kernel!.run(s.inner, op);
    if (!r.ok && r.error.kind === 'not-supported' && s.twin !== undefined) return this.software.run(s.twin, op);
    return r;
  }

  destroySession(session: BackendSession): void {
    const s = session as AutoSession;
    if (!this.live.delete(s)) return;
    (s.engine === 'kernel' ? this.kernel! : this.software).destroySession(s.inner);
    if (s.twin !== undefined) this.software.destroySession(s.twin);
  }

  close(): void {
    for (const s of [...this.live]) this.destroySession(s);
    this.kernel?.close();
    this.software.close();
  }

  private track(s: AutoSession): AutoSession {
    this.live.add(s);
    return s;
  }
}
