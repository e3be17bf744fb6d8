// SPDX-License-Identifier: Apache-2.0
/**
 * The restricted backend: another backend narrowed to the services and algorithms an operator
 * chose to offer (`vcrypto device --services/--algorithms`, a pool's spec.services and
 * spec.algorithms). It advertises only the intersection, so the config-space masks follow, and
 * refuses a session for anything outside it as not supported (VIRTIO_CRYPTO_NOTSUPP), whatever
 * the frontend asks: QEMU's cryptodev mode keeps its own config space and may still try.
 * Knows nothing of virtio or of how the inner backend computes.
 */
import { err, type Result } from '../../util/result.js';
import {
  BackendError,
  type AlgorithmProvider,
  type BackendCapabilities,
  type BackendSession,
  type CryptoBackend,
  type CryptoOp,
  type SessionParams,
} from '../types.js';

/** The services of BackendCapabilities, spelled as its keys. */
export const SERVICE_NAMES = ['cipher', 'hash', 'mac', 'aead', 'akcipher'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface Restriction {
  /** Services offered; undefined: all. */
  readonly services?: ReadonlySet<ServiceName>;
  /** Algorithms offered, by our names (aes-cbc, hmac-sha256, ...); undefined: all. */
  readonly algorithms?: ReadonlySet<string>;
}

function narrow<K extends string>(all: ReadonlyMap<K, AlgorithmProvider>, service: ServiceName, r: Restriction): ReadonlyMap<K, AlgorithmProvider> {
  if (r.services !== undefined && !r.services.has(service)) return new Map();
  if (r.algorithms === undefined) return all;
  return new Map([...all].filter(([name]) => r.algorithms!.has(name)));
}

export class RestrictedBackend implements CryptoBackend {
  readonly name: string;
  private readonly offered: BackendCapabilities;

  constructor(
    private readonly inner: CryptoBackend,
    restriction: Restriction,
  ) {
    this.name = inner.name;
    const all = inner.capabilities();
    this.offered = {
      cipher: narrow(all.cipher, 'cipher', restriction),
      hash: narrow(all.hash, 'hash', restriction),
      mac: narrow(all.mac, 'mac', restriction),
      aead: narrow(all.aead, 'aead', restriction),
      akcipher: narrow(all.akcipher, 'akcipher', restriction),
    };
  }

  capabilities(): BackendCapabilities {
    return this.offered;
  }

  createSession(params: SessionParams): Result<BackendSession, BackendError> {
    const offered: ReadonlyMap<string, AlgorithmProvider> = this.offered[params.kind];
    if (!offered.has(params.algorithm)) return err(new BackendError('not-supported', `${params.algorithm} is not offered by this device`));
    return this.inner.createSession(params);
  }

  run(session: BackendSession, op: CryptoOp): Result<Uint8Array, BackendError> {
    return this.inner.run(session, op);
  }

  destroySession(session: BackendSession): void {
    this.inner.destroySession(session);
  }

  close(): void {
    this.inner.close();
  }
}
