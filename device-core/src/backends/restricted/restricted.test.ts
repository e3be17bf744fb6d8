// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { runBackendConformance } from '../conformance.js';
import { SoftwareBackend } from '../software/index.js';
import { RestrictedBackend } from './index.js';

const key = new Uint8Array(16).fill(3);

describe('restricted backend', () => {
  // Narrowed to what it offers, it still computes every known answer of what is left.
  runBackendConformance(() => new RestrictedBackend(new SoftwareBackend(), { services: new Set(['cipher', 'hash', 'aead']), algorithms: new Set(['aes-cbc', 'aes-gcm', 'sha256']) }), { expectAll: false });

  it('advertises the intersection of the services and the algorithms asked for', () => {
    const b = new RestrictedBackend(new SoftwareBackend(), { services: new Set(['cipher', 'mac']), algorithms: new Set(['aes-cbc', 'sha256', 'hmac-sha256']) });
    const caps = b.capabilities();
    expect([...caps.cipher.keys()]).toEqual(['aes-cbc']);
    expect([...caps.mac.keys()]).toEqual(['hmac-sha256']);
    expect([caps.hash.size, caps.aead.size, caps.akcipher.size]).toEqual([0, 0, 0]);
    expect(caps.cipher.get('aes-cbc')).toEqual({ driver: 'openssl', hardware: false });
  });

  it('refuses a session outside the offer as not supported, and opens one inside it', () => {
    const b = new RestrictedBackend(new SoftwareBackend(), { services: new Set(['cipher']) });
    const refused = b.createSession({ kind: 'hash', algorithm: 'sha256', resultLen: 32 });
    expect(refused.ok ? 'ok' : refused.error.kind).toBe('not-supported');
    const opened = b.createSession({ kind: 'cipher', algorithm: 'aes-ctr', key });
    expect(opened.ok).toBe(true);
    if (opened.ok) b.destroySession(opened.value);
  });
});
