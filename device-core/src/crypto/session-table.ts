// SPDX-License-Identifier: Apache-2.0
/**
 * The device's bounded session table: creates backend sessions for a CreateSessionRequest
 * (two of them for algorithm chaining), hands out ids that are never reused (a stale id always
 * gives INVSESS, never another guest session), refuses beyond maxSessions with NOSPC, and wipes
 * key material on destroy and reset. Knows nothing of queues or vhost-user.
 */
import type { BackendSession, CryptoBackend, Direction, SessionParams } from '../backends/types.js';
import { VIRTIO_CRYPTO_STATUS as S, type VirtioCryptoStatus } from '../spec/virtio-crypto.js';
import type { AuthPart, CreateSessionRequest } from './session-request.js';
import { statusForBackendError } from './status.js';

export interface AuthSession {
  readonly kind: 'hash' | 'mac';
  readonly algorithm: string;
  readonly resultLen: number;
  readonly b: BackendSession;
}

export type DeviceSession =
  | { readonly kind: 'cipher'; readonly algorithm: string; readonly direction: Direction; readonly b: BackendSession }
  | {
      readonly kind: 'chain';
      readonly algorithm: string;
      readonly cipher: BackendSession;
      readonly direction: Direction;
      readonly auth: AuthSession;
      readonly order: 'hash-then-cipher' | 'cipher-then-hash';
      readonly aadLen: number;
    }
  | { readonly kind: 'hash'; readonly algorithm: string; readonly resultLen: number; readonly b: BackendSession }
  | { readonly kind: 'mac'; readonly algorithm: string; readonly resultLen: number; readonly b: BackendSession }
  | {
      readonly kind: 'aead';
      readonly algorithm: string;
      readonly direction: Direction;
      readonly tagLen: number;
      readonly b: BackendSession;
    }
  | { readonly kind: 'akcipher'; readonly algorithm: string; readonly b: BackendSession };

export interface CreateResult {
  readonly status: VirtioCryptoStatus;
  readonly sessionId: bigint;
  readonly algorithm: string;
}

function authParams(a: AuthPart): SessionParams {
  return a.kind === 'hash'
    ? { kind: 'hash', algorithm: a.algorithm, resultLen: a.resultLen }
    : { kind: 'mac', algorithm: a.algorithm, key: a.key, resultLen: a.resultLen };
}

function algorithmOf(req: CreateSessionRequest): string {
  return req.kind === 'chain' ? `${req.cipher.algorithm}+${req.auth.algorithm}` : req.algorithm;
}

export class SessionTable {
  private readonly sessions = new Map<bigint, DeviceSession>();
  private nextId = 1n;

  constructor(
    private readonly backend: CryptoBackend,
    readonly maxSessions: number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: bigint): DeviceSession | undefined {
    return this.sessions.get(id);
  }

  create(req: CreateSessionRequest): CreateResult {
    const algorithm = algorithmOf(req);
    if (this.sessions.size >= this.maxSessions) return { status: S.VIRTIO_CRYPTO_NOSPC, sessionId: 0n, algorithm };
    const session = this.open(req);
    if (typeof session === 'number') return { status: session, sessionId: 0n, algorithm };
    const id = this.nextId++;
    this.sessions.set(id, session);
    return { status: S.VIRTIO_CRYPTO_OK, sessionId: id, algorithm };
  }

  /**
   * Enters a session under an id another table handed out (a ring worker's copy of the device's
   * table). Not counted against maxSessions: the owning table already was.
   */
  adopt(id: bigint, req: CreateSessionRequest): VirtioCryptoStatus {
    const old = this.sessions.get(id);
    if (old !== undefined) this.close(old);
    this.sessions.delete(id);
    const session = this.open(req);
    if (typeof session === 'number') return session;
    this.sessions.set(id, session);
    return S.VIRTIO_CRYPTO_OK;
  }

  /**
   * Opens the backend session(s) for a request without entering them in the table (stateless
   * requests use this for one request, then close()). Not counted against maxSessions.
   */
  open(req: CreateSessionRequest): DeviceSession | VirtioCryptoStatus {
    const algorithm = algorithmOf(req);
    const opened: BackendSession[] = [];
    const openOne = (p: SessionParams): BackendSession | VirtioCryptoStatus => {
      const r = this.backend.createSession(p);
      if (!r.ok) return statusForBackendError(r.error.kind);
      opened.push(r.value);
      return r.value;
    };
    let session: DeviceSession | VirtioCryptoStatus;
    switch (req.kind) {
      case 'cipher': {
        const b = openOne({ kind: 'cipher', algorithm: req.algorithm, key: req.key });
        session = typeof b === 'number' ? b : { kind: 'cipher', algorithm, direction: req.direction, b };
        break;
      }
      case 'chain': {
        const c = openOne({ kind: 'cipher', algorithm: req.cipher.algorithm, key: req.cipher.key });
        const a = typeof c === 'number' ? c : openOne(authParams(req.auth));
        session =
          typeof c === 'number'
            ? c
            : typeof a === 'number'
              ? a
              : {
                  kind: 'chain',
                  algorithm,
                  cipher: c,
                  direction: req.cipher.direction,
                  auth: { kind: req.auth.kind, algorithm: req.auth.algorithm, resultLen: req.auth.resultLen, b: a },
                  order: req.order,
                  aadLen: req.aadLen,
                };
        break;
      }
      case 'hash':
      case 'mac': {
        const b = openOne(authParams(req));
        session = typeof b === 'number' ? b : { kind: req.kind, algorithm, resultLen: req.resultLen, b };
        break;
      }
      case 'aead': {
        const b = openOne({ kind: 'aead', algorithm: req.algorithm, key: req.key, tagLen: req.tagLen });
        session = typeof b === 'number' ? b : { kind: 'aead', algorithm, direction: req.direction, tagLen: req.tagLen, b };
        break;
      }
      case 'akcipher': {
        const b = openOne({ kind: 'akcipher', algorithm: req.algorithm, keyType: req.keyType, key: req.key, padding: req.padding, hash: req.hash });
        session = typeof b === 'number' ? b : { kind: 'akcipher', algorithm, b };
        break;
      }
    }
    if (typeof session === 'number') for (const b of opened) this.backend.destroySession(b);
    return session;
  }

  destroy(id: bigint): VirtioCryptoStatus {
    const s = this.sessions.get(id);
    if (s === undefined) return S.VIRTIO_CRYPTO_INVSESS;
    this.sessions.delete(id);
    this.close(s);
    return S.VIRTIO_CRYPTO_OK;
  }

  /** Destroys the backend session(s) of a session from open() or the table (the backend wipes their keys). */
  close(s: DeviceSession): void {
    if (s.kind === 'chain') {
      this.backend.destroySession(s.cipher);
      this.backend.destroySession(s.auth.b);
    } else {
      this.backend.destroySession(s.b);
    }
  }

  /** Destroys every session (the frontend went away). Ids keep counting up. */
  clear(): void {
    for (const id of [...this.sessions.keys()]) this.destroy(id);
  }
}
