// SPDX-License-Identifier: Apache-2.0
/**
 * The software backend: CryptoBackend over node:crypto (OpenSSL 3). This folder is the only
 * importer of node:crypto in device-core. Files, one service family each:
 *   block-modes.ts  long-lived ECB/CBC cipher objects (the hot path's allocation saver)
 *   cipher.ts       AES/3DES/DES/ARC4 table and engines
 *   hash.ts         MD5, SHA-1/2/3, SHAKE
 *   mac.ts          HMAC, CMAC, XCBC, CBC-MAC, GMAC
 *   aead.ts         AES-GCM, AES-CCM, ChaCha20-Poly1305
 *   akcipher.ts     RSA and ECDSA sessions; ecdsa.ts the digest-level ECDSA arithmetic
 *   probe.ts        start-up self-checks deciding what is advertised
 * A session is an engine built once at createSession (key imported into a KeyObject, subkeys
 * derived, cipher objects created lazily) and reused by every run. destroySession wipes the
 * Buffers this backend owns (derived subkeys, CBC chaining values; no copy of the raw key is
 * kept) and drops the KeyObjects and cipher objects: those hold OpenSSL's copies, which
 * JavaScript cannot wipe; they are freed when collected.
 * Knows nothing of virtio.
 */
import { err, ok, type Result } from '../../util/result.js';
import {
  BackendError,
  type BackendCapabilities,
  type BackendSession,
  type CryptoBackend,
  type CryptoOp,
  type SessionParams,
} from '../types.js';
import { createAeadEngine, type AeadEngine } from './aead.js';
import { createAkcipherEngine, type AkcipherEngine } from './akcipher.js';
import { createCipherEngine, type CipherEngine } from './cipher.js';
import { createHashEngine, type HashEngine } from './hash.js';
import { createMacEngine, type MacEngine } from './mac.js';
import { probeCapabilities } from './probe.js';

type SoftwareSession =
  | { readonly params: { readonly kind: 'cipher' }; readonly engine: CipherEngine }
  | { readonly params: { readonly kind: 'hash' }; readonly engine: HashEngine }
  | { readonly params: { readonly kind: 'mac' }; readonly engine: MacEngine }
  | { readonly params: { readonly kind: 'aead' }; readonly engine: AeadEngine }
  | { readonly params: { readonly kind: 'akcipher' }; readonly engine: AkcipherEngine };

let probed: BackendCapabilities | undefined;

export class SoftwareBackend implements CryptoBackend {
  readonly name = 'software';
  private readonly caps: BackendCapabilities;
  private readonly live = new Set<SoftwareSession>();

  constructor() {
    probed ??= probeCapabilities();
    this.caps = probed;
  }

  capabilities(): BackendCapabilities {
    return this.caps;
  }

  createSession(p: SessionParams): Result<BackendSession, BackendError> {
    try {
      const s = this.build(p);
      this.live.add(s);
      return ok(s);
    } catch (e: unknown) {
      return err(e instanceof BackendError ? e : new BackendError('internal', `${p.kind} session creation failed`, { cause: e }));
    }
  }

  private build(p: SessionParams): SoftwareSession {
    const refuse = (): never => {
      throw new BackendError('not-supported', `${p.algorithm} is not available in this OpenSSL build`);
    };
    switch (p.kind) {
      case 'cipher':
        if (!this.caps.cipher.has(p.algorithm)) refuse();
        return { params: { kind: 'cipher' }, engine: createCipherEngine(p.algorithm, p.key) };
      case 'hash':
        if (!this.caps.hash.has(p.algorithm)) refuse();
        return { params: { kind: 'hash' }, engine: createHashEngine(p.algorithm, p.resultLen) };
      case 'mac':
        if (!this.caps.mac.has(p.algorithm)) refuse();
        return { params: { kind: 'mac' }, engine: createMacEngine(p.algorithm, p.key, p.resultLen) };
      case 'aead':
        if (!this.caps.aead.has(p.algorithm)) refuse();
        return { params: { kind: 'aead' }, engine: createAeadEngine(p.algorithm, p.key, p.tagLen) };
      case 'akcipher':
        if (!this.caps.akcipher.has(p.algorithm)) refuse();
        return { params: { kind: 'akcipher' }, engine: createAkcipherEngine(p) };
    }
  }

  run(session: BackendSession, op: CryptoOp): Result<Uint8Array, BackendError> {
    const s = session as SoftwareSession;
    if (!this.live.has(s)) return err(new BackendError('invalid-argument', 'session is not open on this backend'));
    try {
      return ok(compute(s, op));
    } catch (e: unknown) {
      return err(e instanceof BackendError ? e : new BackendError('internal', `${op.kind} failed in OpenSSL`, { cause: e }));
    }
  }

  destroySession(session: BackendSession): void {
    const s = session as SoftwareSession;
    if (!this.live.delete(s)) return;
    if ('release' in s.engine) s.engine.release();
  }

  close(): void {
    for (const s of [...this.live]) this.destroySession(s);
  }
}

function mismatch(s: SoftwareSession, op: CryptoOp): never {
  throw new BackendError('invalid-argument', `a ${s.params.kind} session cannot run a ${op.kind} operation`);
}

function compute(s: SoftwareSession, op: CryptoOp): Uint8Array {
  switch (op.kind) {
    case 'cipher':
      return s.params.kind === 'cipher' ? (s.engine as CipherEngine).run(op.direction, op.iv, op.src, op.dst) : mismatch(s, op);
    case 'hash':
      return s.params.kind === 'hash' ? (s.engine as HashEngine).run(op.src) : mismatch(s, op);
    case 'mac':
      return s.params.kind === 'mac' ? (s.engine as MacEngine).run(op.src, op.iv) : mismatch(s, op);
    case 'aead':
      return s.params.kind === 'aead' ? (s.engine as AeadEngine).run(op.direction, op.iv, op.aad, op.src, op.dst) : mismatch(s, op);
    case 'akcipher':
      return s.params.kind === 'akcipher' ? (s.engine as AkcipherEngine).run(op.operation, op.src, op.digest, op.maxOutputLen) : mismatch(s, op);
  }
}
