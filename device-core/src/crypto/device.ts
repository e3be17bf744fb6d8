// SPDX-License-Identifier: Apache-2.0
/**
 * The virtio-crypto device model: config space, control-queue requests (session create and
 * destroy), data-queue requests for every service, and the session table, over one backend.
 * Guest input never throws out of here: every failure becomes a virtio status. Knows virtqueue
 * requests only as SegmentedRequest; knows nothing of vhost-user.
 */
import type { CryptoBackend } from '../backends/types.js';
import { VIRTIO_CRYPTO_F as F, VIRTIO_CRYPTO_SESSION_INPUT_LEN, VIRTIO_CRYPTO_STATUS as S, type VirtioCryptoStatus } from '../spec/virtio-crypto.js';
import { NO_TRACE, type Tracer } from '../util/trace.js';
import { buildConfig } from './config.js';
import { parseCtrlRequest, type KeyLimits } from './ctrl-request.js';
import { executeDataRequest } from './data-request.js';
import { RequestReader, totalLength, u32, writeAt, writeStatusLast, type SegmentedRequest } from './segments.js';
import type { CreateSessionRequest } from './session-request.js';
import { copyForTransfer, wipeKeys, type MirrorMessage, type SessionMirror } from './session-mirror.js';
import { SessionTable } from './session-table.js';
import { executeRevision1DataRequest } from './stateless-request.js';
import { statusName } from './status.js';

/** Per-request and per-session events for metrics; the device never imports a metrics library. */
export interface CryptoStatsSink {
  onRequest(e: {
    service: string;
    operation: string;
    algorithm: string;
    status: string;
    bytesIn: number;
    bytesOut: number;
    seconds: number;
  }): void;
  onSession(e: { event: 'created' | 'destroyed' | 'failed'; algorithm: string; active: number }): void;
}

export interface CryptoDeviceOptions {
  readonly backend: CryptoBackend;
  readonly maxDataQueues: number;
  readonly maxSessions: number;
  /** Largest variable-length request content in bytes (config.max_size). */
  readonly maxSize: number;
  readonly maxCipherKeyLen?: number;
  readonly maxAuthKeyLen?: number;
  readonly tracer?: Tracer;
  readonly stats?: CryptoStatsSink;
  /** Told of every session and feature change, for ring workers' copies of this device. */
  readonly mirror?: SessionMirror;
}

export const DEFAULT_MAX_CIPHER_KEY_LEN = 64;
export const DEFAULT_MAX_AUTH_KEY_LEN = 512;
/** RSA-4096 private keys in DER are about 2.4 KB. */
export const MAX_AKCIPHER_KEY_LEN = 4096;

/**
 * Offered device features: REVISION_1, and the stateless bit (service number + 1) of every
 * service the config space advertises (docs/device.md).
 */
function offeredFeatures(config: Uint8Array): bigint {
  const services = u32(config, 8);
  let f = 1n << BigInt(F.VIRTIO_CRYPTO_F_REVISION_1_BIT);
  for (let service = 0; service <= 4; service++) if ((services >>> service) & 1) f |= 1n << BigInt(service + 1);
  return f;
}

export class CryptoDevice {
  readonly deviceFeatures: bigint;
  /** Acked device feature bits 0..5 (0 unless REVISION_1 was acked: stateless bits require it). */
  private acked = 0;
  private readonly sessions: SessionTable;
  private readonly backend: CryptoBackend;
  private readonly tracer: Tracer;
  private readonly stats: CryptoStatsSink | undefined;
  private readonly limits: KeyLimits;
  private readonly configBytes: Uint8Array;
  private readonly maxSize: number;
  private readonly mirror: SessionMirror | undefined;

  constructor(options: CryptoDeviceOptions) {
    this.backend = options.backend;
    this.sessions = new SessionTable(options.backend, options.maxSessions);
    this.tracer = options.tracer ?? NO_TRACE;
    this.stats = options.stats;
    this.maxSize = options.maxSize;
    this.mirror = options.mirror;
    this.limits = {
      maxCipherKeyLen: options.maxCipherKeyLen ?? DEFAULT_MAX_CIPHER_KEY_LEN,
      maxAuthKeyLen: options.maxAuthKeyLen ?? DEFAULT_MAX_AUTH_KEY_LEN,
      maxAkcipherKeyLen: MAX_AKCIPHER_KEY_LEN,
    };
    this.configBytes = buildConfig(options.backend.capabilities(), {
      maxDataQueues: options.maxDataQueues,
      maxCipherKeyLen: this.limits.maxCipherKeyLen,
      maxAuthKeyLen: this.limits.maxAuthKeyLen,
      maxSize: options.maxSize,
    });
    this.deviceFeatures = offeredFeatures(this.configBytes);
  }

  config(): Uint8Array {
    return this.configBytes;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** The driver's acked features (vhost-user SET_FEATURES): REVISION_1 switches request layouts. */
  setDriverFeatures(features: bigint): void {
    if ((features & ~this.deviceFeatures & 0xffffffn) !== 0n && this.tracer.enabled('crypto-session')) {
      this.tracer.trace('crypto-session', 'driver acked device features we did not offer', { features });
    }
    const acked = Number(features & this.deviceFeatures);
    this.acked = (acked >>> F.VIRTIO_CRYPTO_F_REVISION_1_BIT) & 1 ? acked : 0;
    this.mirror?.(() => ({ message: { k: 'features', acked: features }, transfer: [] }));
  }

  private get revision1(): boolean {
    return this.acked !== 0;
  }

  /** Session create (cryptodev mode: vhost-user message 26; device mode: the control queue). */
  createSession(req: CreateSessionRequest): { status: VirtioCryptoStatus; sessionId: bigint } {
    const r = this.sessions.create(req);
    if (this.tracer.enabled('crypto-session')) {
      this.tracer.trace('crypto-session', 'session create', { kind: req.kind, algorithm: r.algorithm, status: statusName(r.status), sessionId: r.sessionId });
    }
    this.stats?.onSession({ event: r.status === S.VIRTIO_CRYPTO_OK ? 'created' : 'failed', algorithm: r.algorithm, active: this.sessions.size });
    if (r.status === S.VIRTIO_CRYPTO_OK && this.mirror !== undefined) {
      // Posted before the guest gets the id, so no request can name it before a worker has it.
      this.mirror(() => {
        const c = copyForTransfer(req);
        return { message: { k: 'session-created', id: r.sessionId, req: c.req }, transfer: c.transfer };
      });
    }
    return { status: r.status, sessionId: r.sessionId };
  }

  /** A session create refused before it reached the session table (bad or unsupported request): counted as failed. */
  sessionRefused(): void {
    this.stats?.onSession({ event: 'failed', algorithm: '', active: this.sessions.size });
  }

  destroySession(sessionId: bigint): VirtioCryptoStatus {
    const status = this.sessions.destroy(sessionId);
    if (this.tracer.enabled('crypto-session')) this.tracer.trace('crypto-session', 'session destroy', { sessionId, status: statusName(status) });
    if (status === S.VIRTIO_CRYPTO_OK) {
      this.stats?.onSession({ event: 'destroyed', algorithm: '', active: this.sessions.size });
      this.mirror?.(() => ({ message: { k: 'session-destroyed', id: sessionId }, transfer: [] }));
    }
    return status;
  }

  /**
   * Applies a change of the device that owns the sessions to this copy of it (a ring worker's).
   * Not counted in this copy's statistics: the owner counts sessions. Received keys are wiped.
   */
  applyMirror(m: MirrorMessage): void {
    switch (m.k) {
      case 'session-created': {
        const status = this.sessions.adopt(m.id, m.req);
        wipeKeys(m.req);
        if (status !== S.VIRTIO_CRYPTO_OK && this.tracer.enabled('crypto-session')) this.tracer.trace('crypto-session', 'a ring worker could not open a session the device created', { sessionId: m.id, status: statusName(status) });
        return;
      }
      case 'session-destroyed':
        this.sessions.destroy(m.id);
        return;
      case 'sessions-cleared':
        this.sessions.clear();
        return;
      case 'features':
        this.setDriverFeatures(m.acked);
        return;
    }
  }

  handleControlRequest(req: SegmentedRequest): number {
    const parsed = parseCtrlRequest(new RequestReader(req.readable), this.limits, this.revision1);
    if (!parsed.ok) {
      if (this.tracer.enabled('crypto-session')) this.tracer.trace('crypto-session', 'control request refused', { reason: parsed.error.reason });
      // Destroys are never refused once their header is read: this was a create.
      this.sessionRefused();
      return this.writeCtrlStatus(req, parsed.error.status, true);
    }
    if (parsed.value.kind === 'destroy') {
      return writeStatusLast(req.writable, this.destroySession(parsed.value.sessionId));
    }
    const r = this.createSession(parsed.value.session);
    return this.writeSessionInput(req, r.status, r.sessionId);
  }

  /** A refused control request: a create gets a session_input, a destroy (or unknown) a status byte. */
  private writeCtrlStatus(req: SegmentedRequest, status: VirtioCryptoStatus, maybeCreate: boolean): number {
    if (maybeCreate && totalLength(req.writable) >= VIRTIO_CRYPTO_SESSION_INPUT_LEN) return this.writeSessionInput(req, status, 0n);
    return writeStatusLast(req.writable, status);
  }

  private writeSessionInput(req: SegmentedRequest, status: VirtioCryptoStatus, sessionId: bigint): number {
    if (totalLength(req.writable) < VIRTIO_CRYPTO_SESSION_INPUT_LEN) return 0;
    const input = Buffer.alloc(VIRTIO_CRYPTO_SESSION_INPUT_LEN);
    input.writeBigUInt64LE(sessionId, 0);
    input.writeUInt32LE(status, 8);
    writeAt(req.writable, 0, input);
    return VIRTIO_CRYPTO_SESSION_INPUT_LEN;
  }

  handleDataRequest(req: SegmentedRequest): number {
    // performance.now() allocates nothing (process.hrtime.bigint() allocates two BigInts a request).
    const started = this.stats === undefined ? 0 : performance.now();
    const o = this.revision1
      ? executeRevision1DataRequest(req, { sessions: this.sessions, backend: this.backend, maxSize: this.maxSize, limits: this.limits, ackedFeatures: this.acked })
      : executeDataRequest(req, this.sessions, this.backend, this.maxSize);
    if (this.stats !== undefined) {
      this.stats.onRequest({
        service: o.service,
        operation: o.operation,
        algorithm: o.algorithm,
        status: statusName(o.status),
        bytesIn: o.bytesIn,
        bytesOut: o.bytesOut,
        seconds: (performance.now() - started) / 1e3,
      });
    }
    if (o.status !== S.VIRTIO_CRYPTO_OK && this.tracer.enabled('crypto-request')) {
      this.tracer.trace('crypto-request', 'data request failed', { service: o.service, operation: o.operation, algorithm: o.algorithm, status: statusName(o.status) });
    }
    return o.usedLen;
  }

  /** The frontend went away: every session and key is wiped. */
  reset(): void {
    this.sessions.clear();
    this.mirror?.(() => ({ message: { k: 'sessions-cleared' }, transfer: [] }));
  }
}
