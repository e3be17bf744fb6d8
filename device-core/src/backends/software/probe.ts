// SPDX-License-Identifier: Apache-2.0
/**
 * The software backend's start-up probe: every algorithm runs a tiny self-check through the same
 * engine code sessions use (a cipher or AEAD round trip, a digest or MAC of the right length, an
 * RSA and ECDSA sign-then-verify with a freshly generated key). Only what passes is advertised,
 * so an OpenSSL build without the legacy provider (Node's own) advertises no DES or ARC4, and a
 * FIPS-restricted build drops what it refuses. The probe runs once per process (about tens of
 * milliseconds, most of it generating the RSA key). Knows nothing of virtio.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type {
  AeadAlgorithm,
  AkcipherAlgorithm,
  AkcipherSessionParams,
  AlgorithmProvider,
  BackendCapabilities,
  CipherAlgorithm,
  HashAlgorithm,
  MacAlgorithm,
} from '../types.js';
import { AEAD_SPECS, createAeadEngine } from './aead.js';
import { createAkcipherEngine } from './akcipher.js';
import { CIPHER_SPECS, createCipherEngine, probeKeyLen } from './cipher.js';
import { HASH_SPECS, createHashEngine } from './hash.js';
import { MAC_SPECS, createMacEngine, GMAC_NONCE_LEN } from './mac.js';

const OPENSSL: AlgorithmProvider = { driver: 'openssl', hardware: false };

/** Runs a check; a throw or a false result means "not available in this OpenSSL build". */
function passes(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    // A probe that throws is the expected signal for an algorithm this build lacks; nothing to report.
    return false;
  }
}

function probeCipher(a: CipherAlgorithm): boolean {
  const spec = CIPHER_SPECS[a];
  const e = createCipherEngine(a, randomBytes(probeKeyLen(a)));
  const iv = randomBytes(spec.ivLen);
  const plain = randomBytes(32);
  const sealed = e.run('encrypt', iv, plain);
  const ok = sealed.length === plain.length && !Buffer.from(sealed).equals(plain) && Buffer.from(e.run('decrypt', iv, sealed)).equals(plain);
  e.release();
  return ok;
}

function probeMac(a: MacAlgorithm): boolean {
  const spec = MAC_SPECS[a];
  const keyLen = spec.keyLens === 'any' ? 32 : (spec.keyLens[0] ?? 16);
  const e = createMacEngine(a, randomBytes(keyLen), spec.macLen);
  const tag = e.run(randomBytes(20), randomBytes(GMAC_NONCE_LEN));
  e.release();
  return tag.length === spec.macLen;
}

function probeAead(a: AeadAlgorithm): boolean {
  const spec = AEAD_SPECS[a];
  const e = createAeadEngine(a, randomBytes(spec.keyLens[0] ?? 16), 16);
  const iv = randomBytes(12);
  const aad = randomBytes(8);
  const plain = randomBytes(24);
  const sealed = e.run('encrypt', iv, aad, plain);
  const ok = sealed.length === plain.length + 16 && Buffer.from(e.run('decrypt', iv, aad, sealed)).equals(plain);
  e.release();
  return ok;
}

function probeAkcipher(a: AkcipherAlgorithm): boolean {
  const base = { kind: 'akcipher', algorithm: a, padding: 'pkcs1', hash: 'sha256' } as const;
  let priv: AkcipherSessionParams;
  let pub: AkcipherSessionParams;
  if (a === 'rsa') {
    const k = generateKeyPairSync('rsa', { modulusLength: 1024 });
    priv = { ...base, keyType: 'private', key: k.privateKey.export({ format: 'der', type: 'pkcs1' }) };
    pub = { ...base, keyType: 'public', key: k.publicKey.export({ format: 'der', type: 'pkcs1' }) };
  } else {
    const k = generateKeyPairSync('ec', { namedCurve: a === 'ecdsa-p256' ? 'P-256' : 'P-384' });
    priv = { ...base, keyType: 'private', key: k.privateKey.export({ format: 'der', type: 'sec1' }) };
    // An uncompressed point is the last bytes of the SPKI DER.
    const spki = k.publicKey.export({ format: 'der', type: 'spki' });
    pub = { ...base, keyType: 'public', key: spki.subarray(spki.length - (a === 'ecdsa-p256' ? 65 : 97)) };
  }
  const signer = createAkcipherEngine(priv);
  const verifier = createAkcipherEngine(pub);
  const digest = randomBytes(32);
  const sig = signer.run('sign', digest, undefined, 1024);
  verifier.run('verify', sig, digest, 0);
  signer.release();
  verifier.release();
  return true;
}

function probeAll<A extends string>(names: readonly A[], check: (a: A) => boolean): Map<A, AlgorithmProvider> {
  const out = new Map<A, AlgorithmProvider>();
  for (const a of names) if (passes(() => check(a))) out.set(a, OPENSSL);
  return out;
}

const keysOf = <A extends string>(table: Readonly<Record<A, unknown>>): A[] => Object.keys(table) as A[];

export function probeCapabilities(): BackendCapabilities {
  return {
    cipher: probeAll(keysOf(CIPHER_SPECS), probeCipher),
    hash: probeAll(keysOf(HASH_SPECS), (a: HashAlgorithm) => createHashEngine(a, HASH_SPECS[a].digestLen).run(randomBytes(3)).length === HASH_SPECS[a].digestLen),
    mac: probeAll(keysOf(MAC_SPECS), probeMac),
    aead: probeAll(keysOf(AEAD_SPECS), probeAead),
    akcipher: probeAll<AkcipherAlgorithm>(['rsa', 'ecdsa-p256', 'ecdsa-p384'], probeAkcipher),
  };
}
