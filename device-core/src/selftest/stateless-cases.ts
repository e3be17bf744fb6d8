// SPDX-License-Identifier: Apache-2.0
/**
 * The self-test's stateless-mode cases: the same known answers as cases.ts, sent as stateless
 * requests (the session parameters and keys inside each request, no control queue), for every
 * cipher, hash, mac and aead algorithm the device advertises. Needs a frontend that acked
 * VIRTIO_CRYPTO_F_REVISION_1 and the services' stateless bits. Knows nothing of sockets.
 */
import { AEAD_BY_ID, CIPHER_BY_ID, HASH_BY_ID, MAC_BY_ID } from '../crypto/algorithms.js';
import { statusName } from '../crypto/status.js';
import { VIRTIO_CRYPTO_STATUS as S } from '../spec/virtio-crypto.js';
import { stateless } from '../testing/request-builder.js';
import { advertised, advertisedVectors, expectOut, hex, type Check, type Transport } from './cases.js';
import { SELFTEST_VECTORS as V } from './vectors.js';

/** REVISION_1 and the stateless bits of cipher, hash, mac, aead and akcipher (bits 0-5). */
export const STATELESS_FEATURES = 0x3fn;

export function buildStatelessCases(t: Transport, config: Uint8Array): { name: string; check: Check }[] {
  const adv = advertised(config);
  const cases: { name: string; check: Check }[] = [];
  for (const { v, id } of advertisedVectors(V.cipher, CIPHER_BY_ID, adv.cipher)) {
    for (const encrypt of [true, false]) {
      cases.push({
        name: `stateless cipher ${v.algorithm} ${encrypt ? 'encrypt' : 'decrypt'}`,
        check: async () => expectOut('result', await t.run(stateless.cipher(id, hex(v.key), encrypt, hex(v.iv), hex(encrypt ? v.plaintext : v.ciphertext))), hex(encrypt ? v.ciphertext : v.plaintext)),
      });
    }
  }
  for (const { v, id } of advertisedVectors(V.hash, HASH_BY_ID, adv.hash)) {
    const d = hex(v.digest);
    cases.push({ name: `stateless hash ${v.algorithm}`, check: async () => expectOut('digest', await t.run(stateless.hash(id, hex(v.message), d.length)), d) });
  }
  for (const { v, id } of advertisedVectors(V.mac, MAC_BY_ID, adv.mac)) {
    const tag = hex(v.tag);
    // GMAC's nonce leads the data: the MAC request has no IV field.
    const msg = v.algorithm === 'gmac-aes' ? Buffer.concat([hex(v.iv), hex(v.message)]) : hex(v.message);
    cases.push({ name: `stateless mac ${v.algorithm}`, check: async () => expectOut('tag', await t.run(stateless.mac(id, hex(v.key), msg, tag.length)), tag) });
  }
  for (const { v, id } of advertisedVectors(V.aead, AEAD_BY_ID, adv.aead)) {
    const [key, iv, aad, pt, ct, tag] = [v.key, v.iv, v.aad, v.plaintext, v.ciphertext, v.tag].map(hex) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
    const sealed = Buffer.concat([ct, tag]);
    cases.push({
      name: `stateless aead ${v.algorithm} encrypt`,
      check: async () => expectOut('sealed', await t.run(stateless.aead({ algo: id, key, encrypt: true, iv, aad, src: pt, tagLen: tag.length, dstLen: sealed.length })), sealed),
    });
    cases.push({
      name: `stateless aead ${v.algorithm} decrypt (and BADMSG on a bad tag)`,
      check: async () => {
        const open = (src: Buffer): ReturnType<Transport['run']> => t.run(stateless.aead({ algo: id, key, encrypt: false, iv, aad, src, tagLen: tag.length, dstLen: pt.length }));
        const r = await open(sealed);
        const bad = Buffer.from(sealed);
        bad[bad.length - 1]! ^= 1;
        const b = await open(bad);
        return expectOut('opened', r, pt) ?? (b.status === S.VIRTIO_CRYPTO_BADMSG ? undefined : `bad tag gave ${statusName(b.status)}`);
      },
    });
  }
  return cases;
}
