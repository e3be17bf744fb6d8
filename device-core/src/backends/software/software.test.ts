// SPDX-License-Identifier: Apache-2.0
import { createCipheriv, createHash, createECDH, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runBackendConformance } from '../conformance.js';
import type { BackendSession, CryptoOp, SessionParams } from '../types.js';
import { CURVES, isOnCurve, toFixed } from './ecdsa.js';
import { SoftwareBackend } from './index.js';

const backend = new SoftwareBackend();

function open(p: SessionParams): BackendSession {
  const r = backend.createSession(p);
  if (!r.ok) throw r.error;
  return r.value;
}

function run(s: BackendSession, op: CryptoOp): Buffer {
  const r = backend.run(s, op);
  if (!r.ok) throw r.error;
  return Buffer.from(r.value);
}

const kindOf = (r: { ok: true } | { ok: false; error: { kind: string } }): string => (r.ok ? 'ok' : r.error.kind);

describe('software backend', () => {
  runBackendConformance(() => new SoftwareBackend(), { expectAll: true });

  it('advertises no DES or ARC4 when OpenSSL refuses them, and no algorithm it cannot compute', () => {
    const caps = backend.capabilities();
    // Node's OpenSSL loads no legacy provider: DES and RC4 fail their probe.
    let legacy = true;
    try {
      createCipheriv('des-ecb', Buffer.alloc(8), null);
    } catch {
      legacy = false; // expected on Node's bundled OpenSSL
    }
    expect(caps.cipher.has('des-cbc')).toBe(legacy);
    expect(caps.cipher.has('arc4')).toBe(legacy);
    expect([...caps.cipher.keys()]).toEqual(expect.arrayContaining(['aes-ecb', 'aes-cbc', 'aes-ctr', 'aes-xts', '3des-ecb', '3des-cbc', '3des-ctr']));
    expect(caps.mac.size).toBe(11);
    expect(caps.aead.size).toBe(3);
    expect(caps.akcipher.size).toBe(3);
    expect(caps.hash.size).toBe(12);
  });

  it('returns not-supported for an algorithm it does not advertise', () => {
    if (backend.capabilities().cipher.has('des-cbc')) return;
    const r = backend.createSession({ kind: 'cipher', algorithm: 'des-cbc', key: new Uint8Array(8) });
    expect(kindOf(r)).toBe('not-supported');
  });

  it.each([
    ['aes-cbc', 17], ['aes-ecb', 0], ['aes-ctr', 31], ['aes-xts', 48], ['3des-cbc', 16], ['3des-ctr', 8],
  ] as const)('refuses a %s key of %i bytes as invalid-key', (algorithm, len) => {
    expect(kindOf(backend.createSession({ kind: 'cipher', algorithm, key: new Uint8Array(len) }))).toBe('invalid-key');
  });

  it('refuses an XTS key whose halves are equal', () => {
    expect(kindOf(backend.createSession({ kind: 'cipher', algorithm: 'aes-xts', key: Buffer.alloc(32, 9) }))).toBe('invalid-key');
  });

  it.each([
    ['cmac-aes', 15], ['cmac-3des', 16], ['xcbc-aes', 32], ['gmac-aes', 20], ['cbcmac-aes', 8],
  ] as const)('refuses a %s key of %i bytes as invalid-key', (algorithm, len) => {
    expect(kindOf(backend.createSession({ kind: 'mac', algorithm, key: new Uint8Array(len), resultLen: 8 }))).toBe('invalid-key');
  });

  it('refuses AEAD keys and tag lengths the algorithm does not take', () => {
    expect(kindOf(backend.createSession({ kind: 'aead', algorithm: 'aes-gcm', key: new Uint8Array(20), tagLen: 16 }))).toBe('invalid-key');
    expect(kindOf(backend.createSession({ kind: 'aead', algorithm: 'chacha20-poly1305', key: new Uint8Array(16), tagLen: 16 }))).toBe('invalid-key');
    expect(kindOf(backend.createSession({ kind: 'aead', algorithm: 'aes-ccm', key: new Uint8Array(16), tagLen: 5 }))).toBe('invalid-argument');
    expect(kindOf(backend.createSession({ kind: 'aead', algorithm: 'aes-gcm', key: new Uint8Array(16), tagLen: 17 }))).toBe('invalid-argument');
  });

  it('refuses result lengths beyond the digest or MAC', () => {
    expect(kindOf(backend.createSession({ kind: 'hash', algorithm: 'sha256', resultLen: 33 }))).toBe('invalid-argument');
    expect(kindOf(backend.createSession({ kind: 'hash', algorithm: 'md5', resultLen: 0 }))).toBe('invalid-argument');
    expect(kindOf(backend.createSession({ kind: 'mac', algorithm: 'cmac-3des', key: new Uint8Array(24).fill(1), resultLen: 9 }))).toBe('invalid-argument');
  });

  it('refuses a cipher IV of the wrong size and a partial block as invalid-argument', () => {
    const s = open({ kind: 'cipher', algorithm: 'aes-cbc', key: randomBytes(16) });
    expect(kindOf(backend.run(s, { kind: 'cipher', direction: 'encrypt', iv: new Uint8Array(12), src: new Uint8Array(16) }))).toBe('invalid-argument');
    const x = open({ kind: 'cipher', algorithm: 'aes-xts', key: randomBytes(32) });
    expect(kindOf(backend.run(x, { kind: 'cipher', direction: 'encrypt', iv: new Uint8Array(16), src: new Uint8Array(15) }))).toBe('invalid-argument');
  });

  it('refuses a CCM nonce outside 7..13 bytes and a GMAC nonce other than 12 bytes', () => {
    const s = open({ kind: 'aead', algorithm: 'aes-ccm', key: randomBytes(16), tagLen: 8 });
    for (const n of [6, 14]) {
      expect(kindOf(backend.run(s, { kind: 'aead', direction: 'encrypt', iv: new Uint8Array(n), aad: new Uint8Array(0), src: new Uint8Array(4) }))).toBe('invalid-argument');
    }
    const g = open({ kind: 'mac', algorithm: 'gmac-aes', key: randomBytes(16), resultLen: 16 });
    expect(kindOf(backend.run(g, { kind: 'mac', src: new Uint8Array(4), iv: new Uint8Array(16) }))).toBe('invalid-argument');
  });

  it('refuses an operation of another service on a session', () => {
    const s = open({ kind: 'hash', algorithm: 'sha256', resultLen: 32 });
    expect(kindOf(backend.run(s, { kind: 'mac', src: new Uint8Array(1), iv: new Uint8Array(0) }))).toBe('invalid-argument');
  });

  it.each(['aes-cbc', '3des-cbc', 'aes-ecb', '3des-ctr', 'aes-ctr'] as const)(
    '%s gives the same bytes as a fresh OpenSSL cipher on every request of a reused session',
    (algorithm) => {
      const keyLen = algorithm.startsWith('3des') ? 24 : 16;
      const ivLen = algorithm === 'aes-ecb' ? 0 : algorithm.startsWith('3des') ? 8 : 16;
      const key = randomBytes(keyLen);
      const s = open({ kind: 'cipher', algorithm, key });
      for (const len of [16, 48, 0, 64, 32, 4096, 16]) {
        const iv = randomBytes(ivLen);
        const src = randomBytes(len);
        const enc = run(s, { kind: 'cipher', direction: 'encrypt', iv, src });
        if (algorithm !== '3des-ctr') {
          const name = `${algorithm.startsWith('3des') ? 'des-ede3' : 'aes-128'}-${algorithm.split('-')[1]}`;
          const ref = createCipheriv(name, key, ivLen === 0 ? null : iv).setAutoPadding(false);
          expect(enc.toString('hex')).toBe(Buffer.concat([ref.update(src), ref.final()]).toString('hex'));
        }
        expect(run(s, { kind: 'cipher', direction: 'decrypt', iv, src: enc }).toString('hex')).toBe(src.toString('hex'));
      }
    },
  );

  it('builds 3DES-CTR from 3DES-ECB with a 64-bit big-endian counter that carries across bytes', () => {
    const key = randomBytes(24);
    const iv = Buffer.from('00000000000000ff', 'hex');
    const s = open({ kind: 'cipher', algorithm: '3des-ctr', key });
    const src = randomBytes(20);
    const out = run(s, { kind: 'cipher', direction: 'encrypt', iv, src });
    const counters = Buffer.from('00000000000000ff' + '0000000000000100' + '0000000000000101', 'hex');
    const stream = createCipheriv('des-ede3-ecb', key, null).setAutoPadding(false).update(counters);
    const expected = Buffer.from(src.map((b, i) => b ^ stream[i]!));
    expect(out.toString('hex')).toBe(expected.toString('hex'));
  });

  it('truncates a hash to the result length and produces SHAKE output of exactly that length', () => {
    const s = open({ kind: 'hash', algorithm: 'sha512', resultLen: 20 });
    const d = run(s, { kind: 'hash', src: Buffer.from('abc') });
    expect(d.toString('hex')).toBe(createHash('sha512').update('abc').digest().subarray(0, 20).toString('hex'));
    const x = open({ kind: 'hash', algorithm: 'shake256', resultLen: 200 });
    expect(run(x, { kind: 'hash', src: Buffer.from('abc') }).length).toBe(200);
  });

  it('gives CBC-MAC of an empty message as the zero block and zero-pads a partial block, as Linux cbcmac does', () => {
    const key = randomBytes(16);
    const s = open({ kind: 'mac', algorithm: 'cbcmac-aes', key, resultLen: 16 });
    expect(run(s, { kind: 'mac', src: new Uint8Array(0), iv: new Uint8Array(0) }).toString('hex')).toBe('00'.repeat(16));
    const msg = randomBytes(20);
    const padded = Buffer.concat([msg, Buffer.alloc(12)]);
    const ref = createCipheriv('aes-128-cbc', key, Buffer.alloc(16)).setAutoPadding(false).update(padded).subarray(16);
    expect(run(s, { kind: 'mac', src: msg, iv: new Uint8Array(0) }).toString('hex')).toBe(ref.toString('hex'));
  });

  it('rejects an AES-CCM ciphertext with a wrong tag as auth-failed and returns no plaintext', () => {
    const s = open({ kind: 'aead', algorithm: 'aes-ccm', key: randomBytes(16), tagLen: 16 });
    const iv = randomBytes(13);
    const sealed = run(s, { kind: 'aead', direction: 'encrypt', iv, aad: Buffer.from('hdr'), src: Buffer.from('payload') });
    const r = backend.run(s, { kind: 'aead', direction: 'decrypt', iv, aad: Buffer.from('hdx'), src: sealed });
    expect(kindOf(r)).toBe('auth-failed');
  });

  it('wipes derived subkeys and refuses further runs after destroySession', () => {
    const s = open({ kind: 'mac', algorithm: 'cmac-aes', key: randomBytes(16), resultLen: 16 });
    run(s, { kind: 'mac', src: new Uint8Array(3), iv: new Uint8Array(0) });
    backend.destroySession(s);
    expect(kindOf(backend.run(s, { kind: 'mac', src: new Uint8Array(3), iv: new Uint8Array(0) }))).toBe('invalid-argument');
  });

  it('close() destroys every open session', () => {
    const b = new SoftwareBackend();
    const r = b.createSession({ kind: 'cipher', algorithm: 'aes-ecb', key: randomBytes(16) });
    if (!r.ok) throw r.error;
    b.close();
    expect(b.run(r.value, { kind: 'cipher', direction: 'encrypt', iv: new Uint8Array(0), src: new Uint8Array(16) }).ok).toBe(false);
  });
});

describe('software ECDSA over a given digest', () => {
  const point = (k: KeyObject): Buffer => {
    const spki = k.export({ format: 'der', type: 'spki' });
    return spki.subarray(spki.length - (k.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 65 : 97));
  };

  it.each(['P-256', 'P-384'] as const)('%s domain parameters: G is on the curve and is what OpenSSL multiplies by', (name) => {
    const c = CURVES[name];
    expect(isOnCurve(c, c.gx, c.gy)).toBe(true);
    const ecdh = createECDH(c.ecdhName);
    ecdh.setPrivateKey(toFixed(1n, c.size));
    expect(ecdh.getPublicKey().toString('hex')).toBe(`04${toFixed(c.gx, c.size).toString('hex')}${toFixed(c.gy, c.size).toString('hex')}`);
    // n−1 is the largest scalar OpenSSL accepts: it must give −G (same x).
    ecdh.setPrivateKey(toFixed(c.n - 1n, c.size));
    expect(ecdh.getPublicKey().subarray(1, 1 + c.size).toString('hex')).toBe(toFixed(c.gx, c.size).toString('hex'));
    expect(() => ecdh.setPrivateKey(toFixed(c.n, c.size))).toThrow();
  });

  it.each([
    ['ecdsa-p256', 'P-256', 'sha256'],
    ['ecdsa-p384', 'P-384', 'sha384'],
    ['ecdsa-p256', 'P-256', 'sha512'],
  ] as const)('%s signatures agree with OpenSSL both ways (digest %s, %s)', (algorithm, curve, hash) => {
    const k = generateKeyPairSync('ec', { namedCurve: curve });
    const base = { kind: 'akcipher', algorithm, padding: 'raw', hash: 'none' } as const;
    const priv = open({ ...base, keyType: 'private', key: k.privateKey.export({ format: 'der', type: 'sec1' }) });
    const pub = open({ ...base, keyType: 'public', key: point(k.publicKey) });
    const msg = randomBytes(50);
    const digest = createHash(hash).update(msg).digest();
    const ours = run(priv, { kind: 'akcipher', operation: 'sign', src: digest, maxOutputLen: 96 });
    expect(verify(hash, msg, { key: k.publicKey, dsaEncoding: 'ieee-p1363' }, ours)).toBe(true);
    const theirs = sign(hash, msg, { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(backend.run(pub, { kind: 'akcipher', operation: 'verify', src: theirs, digest, maxOutputLen: 0 }).ok).toBe(true);
    const other = createHash(hash).update(randomBytes(5)).digest();
    expect(kindOf(backend.run(pub, { kind: 'akcipher', operation: 'verify', src: theirs, digest: other, maxOutputLen: 0 }))).toBe('signature-invalid');
  });

  it('refuses a public point that is not on the curve as invalid-key', () => {
    const bad = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]);
    const r = backend.createSession({ kind: 'akcipher', algorithm: 'ecdsa-p256', keyType: 'public', key: bad, padding: 'raw', hash: 'none' });
    expect(kindOf(r)).toBe('invalid-key');
  });

  it('refuses ECDSA encryption as not-supported and a signature that does not fit as invalid-argument', () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const s = open({ kind: 'akcipher', algorithm: 'ecdsa-p256', keyType: 'private', key: k.privateKey.export({ format: 'der', type: 'sec1' }), padding: 'raw', hash: 'none' });
    expect(kindOf(backend.run(s, { kind: 'akcipher', operation: 'encrypt', src: new Uint8Array(32), maxOutputLen: 64 }))).toBe('not-supported');
    expect(kindOf(backend.run(s, { kind: 'akcipher', operation: 'sign', src: new Uint8Array(32), maxOutputLen: 63 }))).toBe('invalid-argument');
  });
});

describe('software RSA', () => {
  const k = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const der = { priv: k.privateKey.export({ format: 'der', type: 'pkcs1' }), pub: k.publicKey.export({ format: 'der', type: 'pkcs1' }) };

  it('round-trips PKCS#1 v1.5 encryption (randomized, so no fixed vector) and raw RSA left-pads short input', () => {
    const base = { kind: 'akcipher', algorithm: 'rsa', hash: 'none' } as const;
    const pub = open({ ...base, padding: 'pkcs1', keyType: 'public', key: der.pub });
    const priv = open({ ...base, padding: 'pkcs1', keyType: 'private', key: der.priv });
    const msg = Buffer.from('session key bytes');
    const c1 = run(pub, { kind: 'akcipher', operation: 'encrypt', src: msg, maxOutputLen: 128 });
    const c2 = run(pub, { kind: 'akcipher', operation: 'encrypt', src: msg, maxOutputLen: 128 });
    expect(c1.equals(c2)).toBe(false);
    expect(run(priv, { kind: 'akcipher', operation: 'decrypt', src: c1, maxOutputLen: 128 }).toString()).toBe('session key bytes');
    const rawPub = open({ ...base, padding: 'raw', keyType: 'public', key: der.pub });
    const rawPriv = open({ ...base, padding: 'raw', keyType: 'private', key: der.priv });
    const c = run(rawPub, { kind: 'akcipher', operation: 'encrypt', src: Buffer.from([1, 2, 3]), maxOutputLen: 128 });
    expect(c.length).toBe(128);
    expect(run(rawPriv, { kind: 'akcipher', operation: 'decrypt', src: c, maxOutputLen: 128 }).toString('hex')).toBe('00'.repeat(125) + '010203');
  });

  it('signs a digest of the wrong length for its hash as invalid-argument and refuses private operations on a public key', () => {
    const base = { kind: 'akcipher', algorithm: 'rsa', padding: 'pkcs1', hash: 'sha256' } as const;
    const priv = open({ ...base, keyType: 'private', key: der.priv });
    const pub = open({ ...base, keyType: 'public', key: der.pub });
    expect(kindOf(backend.run(priv, { kind: 'akcipher', operation: 'sign', src: new Uint8Array(20), maxOutputLen: 128 }))).toBe('invalid-argument');
    expect(kindOf(backend.run(pub, { kind: 'akcipher', operation: 'sign', src: new Uint8Array(32), maxOutputLen: 128 }))).toBe('invalid-argument');
    expect(kindOf(backend.run(priv, { kind: 'akcipher', operation: 'sign', src: new Uint8Array(32), maxOutputLen: 127 }))).toBe('invalid-argument');
  });

  it('refuses a key that is not DER PKCS#1 as invalid-key without echoing its bytes', () => {
    const junk = Buffer.from('3082deadbeefcafef00d', 'hex');
    const r = backend.createSession({ kind: 'akcipher', algorithm: 'rsa', keyType: 'private', key: junk, padding: 'pkcs1', hash: 'sha256' });
    expect(kindOf(r)).toBe('invalid-key');
    expect(r.ok ? '' : r.error.message).not.toContain('deadbeef');
  });
});
