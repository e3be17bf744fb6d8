// SPDX-License-Identifier: Apache-2.0
/**
 * The null backend: advertises nothing and refuses every session. The minimal reference
 * implementation of CryptoBackend, used by docs and by tests of the device model's NOTSUPP paths.
 */
import { err, type Result } from '../../util/result.js';
import { BackendError, type BackendCapabilities, type BackendSession, type CryptoBackend } from '../types.js';

export class NullBackend implements CryptoBackend {
  readonly name = 'null';
  capabilities(): BackendCapabilities {
    return { cipher: new Map(), hash: new Map(), mac: new Map(), aead: new Map(), akcipher: new Map() };
  }
  createSession(): Result<BackendSession, BackendError> {
    return err(new BackendError('not-supported', 'the null backend computes nothing'));
  }
  run(): Result<Uint8Array, BackendError> {
    return err(new BackendError('not-supported', 'the null backend computes nothing'));
  }
  destroySession(): void {}
  close(): void {}
}
