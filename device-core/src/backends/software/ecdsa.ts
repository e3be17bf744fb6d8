// SPDX-License-Identifier: Apache-2.0
/**
 * ECDSA over a caller-supplied digest on NIST P-256 and P-384 (SEC 1 v2 sections 4.1.3/4.1.4,
 * FIPS 186-5 6.4). virtio-crypto and Linux's ecdsa akcipher sign and verify a digest the guest
 * computed, while node:crypto's sign()/verify() always hash their input first, so the two
 * equations are done here:
 *  - sign: R = k·G is computed by OpenSSL (an ECDH object with private key k, its public key is
 *    k·G), so the secret-dependent scalar multiplication runs in OpenSSL's constant-time code; the
 *    remaining arithmetic mod n uses BigInt with the nonce blinded by a random factor b:
 *    s = (k·b)⁻¹ · (b·e + b·r·d) mod n. BigInt arithmetic is not constant-time: this backend is
 *    a software reference, not a side-channel-hardened signer (say so to users who need one).
 *  - verify: u1·G + u2·Q in Jacobian coordinates with BigInt; only public values are involved.
 * The digest is converted with bits2int (its leftmost bit-length-of-n bits). Signatures are
 * r‖s, each the curve size, big-endian (IEEE P1363). Knows nothing of virtio or node KeyObjects.
 */
import { createECDH, randomBytes } from 'node:crypto';

export interface Curve {
  readonly name: 'P-256' | 'P-384';
  readonly ecdhName: 'prime256v1' | 'secp384r1';
  /** Field element and scalar size in bytes. */
  readonly size: number;
  readonly p: bigint;
  readonly n: bigint;
  readonly b: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
}

/** Domain parameters from FIPS 186-5 / SP 800-186 section 3.2.1 (a = −3 for both). */
export const CURVES: Readonly<Record<'P-256' | 'P-384', Curve>> = {
  'P-256': {
    name: 'P-256',
    ecdhName: 'prime256v1',
    size: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  'P-384': {
    name: 'P-384',
    ecdhName: 'secp384r1',
    size: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
};

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Inverse modulo a prime (Fermat). */
const inv = (a: bigint, m: bigint): bigint => modPow(a, m - 2n, m);

export const toBigInt = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));

export function toFixed(v: bigint, size: number): Buffer {
  return Buffer.from(v.toString(16).padStart(size * 2, '0'), 'hex');
}

/** SEC 1 4.1.3 step 5 / FIPS 186-5 bits2int: the leftmost bitlen(n) bits of the digest. */
function bits2int(c: Curve, digest: Uint8Array): bigint {
  const nBits = c.n.toString(2).length;
  const e = toBigInt(digest);
  const extra = digest.length * 8 - nBits;
  return extra > 0 ? e >> BigInt(extra) : e;
}

type Jacobian = readonly [bigint, bigint, bigint];
const INFINITY: Jacobian = [1n, 1n, 0n];

function double(c: Curve, [x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return INFINITY;
  const p = c.p;
  const delta = (z * z) % p;
  const gamma = (y * y) % p;
  const beta = (x * gamma) % p;
  const alpha = mod(3n * (x - delta) * (x + delta), p);
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function add(c: Curve, a: Jacobian, b: Jacobian): Jacobian {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const p = c.p;
  const [x1, y1, z1] = a;
  const [x2, y2, z2] = b;
  const z1z1 = (z1 * z1) % p;
  const z2z2 = (z2 * z2) % p;
  const u1 = (x1 * z2z2) % p;
  const u2 = (x2 * z1z1) % p;
  const s1 = (y1 * z2 * z2z2) % p;
  const s2 = (y2 * z1 * z1z1) % p;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  if (h === 0n) return r === 0n ? double(c, a) : INFINITY;
  const hh = (h * h) % p;
  const hhh = (h * hh) % p;
  const v = (u1 * hh) % p;
  const x3 = mod(r * r - hhh - 2n * v, p);
  const y3 = mod(r * (v - x3) - s1 * hhh, p);
  return [x3, y3, (z1 * z2 * h) % p];
}

/** k·P by double-and-add (public scalars only: used by verify). */
function multiply(c: Curve, k: bigint, point: Jacobian): Jacobian {
  let acc = INFINITY;
  for (const bit of k.toString(2)) {
    acc = double(c, acc);
    if (bit === '1') acc = add(c, acc, point);
  }
  return acc;
}

function affineX(c: Curve, [x, , z]: Jacobian): bigint {
  const zInv = inv(z, c.p);
  return (x * zInv * zInv) % c.p;
}

/** A uniformly random scalar in [1, n−1] (64 extra bits make the modulo bias negligible). */
function randomScalar(c: Curve): bigint {
  return (toBigInt(randomBytes(c.size + 8)) % (c.n - 1n)) + 1n;
}

/** Signs a digest with private scalar d; returns r‖s. */
export function signDigest(c: Curve, d: bigint, digest: Uint8Array): Buffer {
  const e = bits2int(c, digest);
  const ecdh = createECDH(c.ecdhName);
  for (;;) {
    const k = randomScalar(c);
    ecdh.setPrivateKey(toFixed(k, c.size));
    const point = ecdh.getPublicKey();
    const r = toBigInt(point.subarray(1, 1 + c.size)) % c.n;
    if (r === 0n) continue;
    const blind = randomScalar(c);
    const kbInv = inv((k * blind) % c.n, c.n);
    const s = (kbInv * mod(blind * e + ((blind * r) % c.n) * d, c.n)) % c.n;
    if (s === 0n) continue;
    return Buffer.concat([toFixed(r, c.size), toFixed(s, c.size)]);
  }
}

/** Verifies r‖s over a digest against public point (qx, qy), already known to be on the curve. */
export function verifyDigest(c: Curve, qx: bigint, qy: bigint, digest: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 2 * c.size) return false;
  const r = toBigInt(signature.subarray(0, c.size));
  const s = toBigInt(signature.subarray(c.size));
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  const w = inv(s, c.n);
  const u1 = (bits2int(c, digest) * w) % c.n;
  const u2 = (r * w) % c.n;
  const sum = add(c, multiply(c, u1, [c.gx, c.gy, 1n]), multiply(c, u2, [qx, qy, 1n]));
  if (sum[2] === 0n) return false;
  return affineX(c, sum) % c.n === r;
}

/** True when (x, y) satisfies y² = x³ − 3x + b over the curve's field (used by the tests). */
export function isOnCurve(c: Curve, x: bigint, y: bigint): boolean {
  return mod(y * y - (x * x * x - 3n * x + c.b), c.p) === 0n;
}
