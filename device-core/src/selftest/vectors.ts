// SPDX-License-Identifier: Apache-2.0
/**
 * Known-answer vectors for `vcrypto selftest`: the first vector of each algorithm in
 * test/fixtures/vectors (sources named there), embedded so the self-test runs from an installed
 * build. test/selftest-vectors.test.ts fails when this copy drifts from the fixtures.
 * Generated: do not edit by hand.
 */
export const SELFTEST_VECTORS = {
 "cipher": [
  {
   "algorithm": "aes-ecb",
   "key": "2b7e151628aed2a6abf7158809cf4f3c",
   "iv": "",
   "plaintext": "6bc1bee22e409f96e93d7e117393172a",
   "ciphertext": "3ad77bb40d7a3660a89ecaf32466ef97",
   "source": "NIST SP 800-38A F.1.1 (ECB-AES128.Encrypt, block 1)"
  },
  {
   "algorithm": "aes-cbc",
   "key": "2b7e151628aed2a6abf7158809cf4f3c",
   "iv": "000102030405060708090a0b0c0d0e0f",
   "plaintext": "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
   "ciphertext": "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2",
   "source": "NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt, blocks 1-2)"
  },
  {
   "algorithm": "aes-ctr",
   "key": "2b7e151628aed2a6abf7158809cf4f3c",
   "iv": "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
   "plaintext": "6bc1bee22e409f96e93d7e117393172a",
   "ciphertext": "874d6191b620e3261bef6864990db6ce",
   "source": "NIST SP 800-38A F.5.1 (CTR-AES128.Encrypt, block 1)"
  },
  {
   "algorithm": "aes-xts",
   "key": "1111111111111111111111111111111122222222222222222222222222222222",
   "iv": "33333333330000000000000000000000",
   "plaintext": "4444444444444444444444444444444444444444444444444444444444444444",
   "ciphertext": "c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0",
   "source": "IEEE P1619/D16 XTS-AES-128 vector 2 (data unit sequence number 0x3333333333)"
  },
  {
   "algorithm": "3des-cbc",
   "key": "0123456789abcdef23456789abcdef01456789abcdef0123",
   "iv": "0001020304050607",
   "plaintext": "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
   "ciphertext": "df4fb48a5c3414fa340a1553efae84317b4c6aab8845fb9247ee5e08514dd2bc",
   "source": "openssl enc -des-ede3-cbc -nopad (OpenSSL 3.0.19 CLI), key/plaintext from NIST SP 800-67 sample"
  },
  {
   "algorithm": "3des-ecb",
   "key": "0123456789abcdef23456789abcdef01456789abcdef0123",
   "iv": "",
   "plaintext": "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
   "ciphertext": "714772f339841d34267fcc4bd2949cc3ee11c22a576a303876183f99c0b6de87",
   "source": "openssl enc -des-ede3-ecb -nopad (OpenSSL 3.0.19 CLI)"
  },
  {
   "algorithm": "3des-ctr",
   "key": "0123456789abcdef23456789abcdef01456789abcdef0123",
   "iv": "fffffffffffffffe",
   "plaintext": "6bc1bee22e409f96e93d7e117393172aae2d8a57",
   "ciphertext": "7a871d1f3b59712e14989fba53b7a503e097f9cb",
   "source": "derived: no published TDEA-CTR vector exists; keystream = `openssl enc -des-ede3-ecb -nopad` (OpenSSL 3.0.19 CLI) of the counter blocks iv, iv+1 (wrapping 2^64), iv+2, XORed with the plaintext by a Python one-liner"
  }
 ],
 "hash": [
  {
   "algorithm": "md5",
   "message": "616263",
   "digest": "900150983cd24fb0d6963f7d28e17f72",
   "source": "RFC 1321 A.5 (\"abc\")"
  },
  {
   "algorithm": "sha1",
   "message": "616263",
   "digest": "a9993e364706816aba3e25717850c26c9cd0d89d",
   "source": "FIPS 180-2 appendix A.1 (\"abc\")"
  },
  {
   "algorithm": "sha224",
   "message": "616263",
   "digest": "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
   "source": "FIPS 180-2 change notice example (\"abc\")"
  },
  {
   "algorithm": "sha256",
   "message": "616263",
   "digest": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
   "source": "FIPS 180-2 appendix B.1 (\"abc\")"
  },
  {
   "algorithm": "sha384",
   "message": "616263",
   "digest": "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
   "source": "FIPS 180-2 appendix D.1 (\"abc\")"
  },
  {
   "algorithm": "sha512",
   "message": "616263",
   "digest": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
   "source": "FIPS 180-2 appendix C.1 (\"abc\")"
  },
  {
   "algorithm": "sha3-256",
   "message": "616263",
   "digest": "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
   "source": "NIST FIPS 202 example SHA3-256 (\"abc\")"
  },
  {
   "algorithm": "sha3-224",
   "message": "616263",
   "digest": "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
   "source": "NIST FIPS 202 example SHA3-224 (\"abc\")"
  },
  {
   "algorithm": "sha3-384",
   "message": "616263",
   "digest": "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
   "source": "NIST FIPS 202 example SHA3-384 (\"abc\")"
  },
  {
   "algorithm": "sha3-512",
   "message": "616263",
   "digest": "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
   "source": "NIST FIPS 202 example SHA3-512 (\"abc\")"
  },
  {
   "algorithm": "shake128",
   "message": "616263",
   "digest": "5881092dd818bf5cf8a3ddb793fbcba74097d5c526a6d35f97b83351940f2cc8",
   "source": "openssl dgst -shake128 -xoflen 32 (OpenSSL 3.0.19 CLI)"
  },
  {
   "algorithm": "shake256",
   "message": "",
   "digest": "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f",
   "source": "NIST FIPS 202 example SHAKE256 (empty message, 256-bit output)"
  }
 ],
 "mac": [
  {
   "algorithm": "hmac-md5",
   "key": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
   "iv": "",
   "message": "4869205468657265",
   "tag": "9294727a3638bb1c13f48ef8158bfc9d",
   "source": "RFC 2202 section 2 test case 1"
  },
  {
   "algorithm": "hmac-sha1",
   "key": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
   "iv": "",
   "message": "4869205468657265",
   "tag": "b617318655057264e28bc0b6fb378c8ef146be00",
   "source": "RFC 2202 section 3 test case 1"
  },
  {
   "algorithm": "hmac-sha224",
   "key": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
   "iv": "",
   "message": "4869205468657265",
   "tag": "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
   "source": "RFC 4231 test case 1"
  },
  {
   "algorithm": "hmac-sha256",
   "key": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
   "iv": "",
   "message": "4869205468657265",
   "tag": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
   "source": "RFC 4231 test case 1"
  },
  {
   "algorithm": "hmac-sha384",
   "key": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
   "iv": "",
   "message": "4869205468657265",
   "tag": "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
   "source": "RFC 4231 test case 1"
  },
  {
   "algorithm": "hmac-sha512",
   "key": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
   "iv": "",
   "message": "4869205468657265",
   "tag": "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
   "source": "RFC 4231 test case 1"
  },
  {
   "algorithm": "cmac-aes",
   "key": "2b7e151628aed2a6abf7158809cf4f3c",
   "iv": "",
   "message": "",
   "tag": "bb1d6929e95937287fa37d129b756746",
   "source": "RFC 4493 section 4 example 1 (empty message)"
  },
  {
   "algorithm": "cmac-3des",
   "key": "0123456789abcdef23456789abcdef01456789abcdef0123",
   "iv": "",
   "message": "6bc1bee22e409f96e93d7e117393172a",
   "tag": "30239cf1f52e6609",
   "source": "openssl mac -cipher DES-EDE3-CBC CMAC (OpenSSL 3.0.19 CLI)"
  },
  {
   "algorithm": "xcbc-aes",
   "key": "000102030405060708090a0b0c0d0e0f",
   "iv": "",
   "message": "",
   "tag": "75f0251d528ac01c4573dfd584d79f29",
   "source": "RFC 3566 section 4.6 test case 1"
  },
  {
   "algorithm": "gmac-aes",
   "key": "00000000000000000000000000000000",
   "iv": "000000000000000000000000",
   "message": "",
   "tag": "58e2fccefa7e3061367f1d57a4e7455a",
   "source": "McGrew & Viega, The GCM mode of operation, test case 1"
  },
  {
   "algorithm": "cbcmac-aes",
   "key": "2b7e151628aed2a6abf7158809cf4f3c",
   "iv": "",
   "message": "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
   "tag": "b148c17f309ee692287ae57cf12add49",
   "source": "last block of openssl enc -aes-128-cbc with a zero IV (OpenSSL 3.0.19 CLI)"
  }
 ],
 "aead": [
  {
   "algorithm": "aes-gcm",
   "key": "00000000000000000000000000000000",
   "iv": "000000000000000000000000",
   "aad": "",
   "plaintext": "00000000000000000000000000000000",
   "ciphertext": "0388dace60b6a392f328c2b971b2fe78",
   "tag": "ab6e47d42cec13bdf53a67b21257bddf",
   "source": "McGrew & Viega, The GCM mode of operation, test case 2"
  },
  {
   "algorithm": "aes-ccm",
   "key": "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
   "iv": "00000003020100a0a1a2a3a4a5",
   "aad": "0001020304050607",
   "plaintext": "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
   "ciphertext": "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384",
   "tag": "17e8d12cfdf926e0",
   "source": "RFC 3610 section 8 packet vector #1"
  },
  {
   "algorithm": "chacha20-poly1305",
   "key": "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
   "iv": "070000004041424344454647",
   "aad": "50515253c0c1c2c3c4c5c6c7",
   "plaintext": "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e",
   "ciphertext": "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
   "tag": "1ae10b594f09e26a7e902ecbd0600691",
   "source": "RFC 8439 section 2.8.2 (AEAD_CHACHA20_POLY1305 example)"
  }
 ],
 "akcipher": [
  {
   "algorithm": "rsa",
   "padding": "pkcs1",
   "hash": "sha256",
   "operation": "sign",
   "privateKey": "3082025d02010002818100da40d09d7301575ebd842b6a1384ef123b58c3c3a913a1d7d48ec6dc1c16d88b36098bd2c1e00481de1e8d8bd5384b1f41df997479d02d078fe1096defdea65f7e7e610f953f07c40cc9a7c2413711be3c61187ac0cb25b9fcbf48f2fc96dcffcf169ee0db958adeb1bc8e6e805d54f3a513f4e1492bedce76b13fda7468a8b7020301000102818043d99e81343d9881d57cff5a2cd348d76c27be44578dc8e4a629f4dc7cc7056ed1cfc9ee2d638d432a606934ad86a0a40900905e4b785267656d5a57191928b3385195a6baeb3a9ace5669094ca29a3b47a05d16f905a77315f75325874c623156f75fbc8301c6adcdc3022437c66f9779d94e52e434e56b94238c1d0ab12fc1024100ed162fe81568ae04843f6d260ee1e9f6c90b4399beadc02e55d20525d604ad783a79fce1e1e0580b513d822de4b810addf18b1510114d49a2907815f8de2fcf1024100ebaa020e7cdf5a66afcd8f6d8252a8183ed7d205bf3c6048b68096a4fcbb0746540b323e78425baad62b91265f8d2657ffebeeb266cd45608340586b62962027024100eacce36b1cf0cc0ecb0ea9c15c51decd3af47de1a0d721128289f9f12bd0fc1fab022f3161eb362717312c60d93875c44cc37eb073bab6876a84f55ab6018c710241008d11215606cdb4518f9edee25086a5f48d79a750a55ec0cc05e3074a0fb6ecedde552d6853987542d81d1030063679e36760956bd939baf3c0dd7d901a5d7f3502403a768c4242ad249e2a011e23f4f1f39094768ffc8e1683e2d240ea33f88be86512a8219b16622d0846d1b2263b36400fb77185d83f27f142328ca9a2bcc65f39",
   "publicKey": "30818902818100da40d09d7301575ebd842b6a1384ef123b58c3c3a913a1d7d48ec6dc1c16d88b36098bd2c1e00481de1e8d8bd5384b1f41df997479d02d078fe1096defdea65f7e7e610f953f07c40cc9a7c2413711be3c61187ac0cb25b9fcbf48f2fc96dcffcf169ee0db958adeb1bc8e6e805d54f3a513f4e1492bedce76b13fda7468a8b70203010001",
   "input": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
   "output": "26b6a62f55e7775523a0723ab1e0f3569808bd0f2a1b7ee5240c44fcc311a06ddcd4f2662b4899996f89c107b00f96296713fa0cd9fd10c95a06ce97e0eea3c7f85ba0e2dc7af5d308598f8bf7646514bbde27e3fb4a7865eb109abb4b37d5cf8a9c898b0204808d42fcc5a62bb34ba2bff52b4bf917bce4903b8bd8dfb6523e",
   "source": "1024-bit key from openssl genrsa; signature by openssl pkeyutl -sign -pkeyopt digest:sha256 over SHA-256(\"abc\") (OpenSSL 3.0.19 CLI)"
  },
  {
   "algorithm": "rsa",
   "padding": "raw",
   "hash": "none",
   "operation": "encrypt",
   "privateKey": "3082025d02010002818100da40d09d7301575ebd842b6a1384ef123b58c3c3a913a1d7d48ec6dc1c16d88b36098bd2c1e00481de1e8d8bd5384b1f41df997479d02d078fe1096defdea65f7e7e610f953f07c40cc9a7c2413711be3c61187ac0cb25b9fcbf48f2fc96dcffcf169ee0db958adeb1bc8e6e805d54f3a513f4e1492bedce76b13fda7468a8b7020301000102818043d99e81343d9881d57cff5a2cd348d76c27be44578dc8e4a629f4dc7cc7056ed1cfc9ee2d638d432a606934ad86a0a40900905e4b785267656d5a57191928b3385195a6baeb3a9ace5669094ca29a3b47a05d16f905a77315f75325874c623156f75fbc8301c6adcdc3022437c66f9779d94e52e434e56b94238c1d0ab12fc1024100ed162fe81568ae04843f6d260ee1e9f6c90b4399beadc02e55d20525d604ad783a79fce1e1e0580b513d822de4b810addf18b1510114d49a2907815f8de2fcf1024100ebaa020e7cdf5a66afcd8f6d8252a8183ed7d205bf3c6048b68096a4fcbb0746540b323e78425baad62b91265f8d2657ffebeeb266cd45608340586b62962027024100eacce36b1cf0cc0ecb0ea9c15c51decd3af47de1a0d721128289f9f12bd0fc1fab022f3161eb362717312c60d93875c44cc37eb073bab6876a84f55ab6018c710241008d11215606cdb4518f9edee25086a5f48d79a750a55ec0cc05e3074a0fb6ecedde552d6853987542d81d1030063679e36760956bd939baf3c0dd7d901a5d7f3502403a768c4242ad249e2a011e23f4f1f39094768ffc8e1683e2d240ea33f88be86512a8219b16622d0846d1b2263b36400fb77185d83f27f142328ca9a2bcc65f39",
   "publicKey": "30818902818100da40d09d7301575ebd842b6a1384ef123b58c3c3a913a1d7d48ec6dc1c16d88b36098bd2c1e00481de1e8d8bd5384b1f41df997479d02d078fe1096defdea65f7e7e610f953f07c40cc9a7c2413711be3c61187ac0cb25b9fcbf48f2fc96dcffcf169ee0db958adeb1bc8e6e805d54f3a513f4e1492bedce76b13fda7468a8b70203010001",
   "input": "007f140b7f7f417f573c5a547f48414b7f7f7f787f7f7f7f6e7f7f2539497f507f3b7f7f1c7f7f7f7f7f2a024e7f4b7f7f7f72284e7f247f7f7f7f7f7f7f7f437f7f7f7f0b7f05727f717f7f09330c7f3e243d2f7f7f7f7f7f7f7f7e38487f7f7f49326c7f7f7b326255317f397f7f247f4f3a3a187f7f207f751852473a5a07",
   "output": "9a437b627f7edeb941dd4f2fb35419ef4c509201788a98e79de2f8e577d98b4078126fb1224748d67dda250e270827208e8e2e866c9a71ef8c3d39c7bd6f4ba6164001d5278d67514f576cd48fb9b590137292624b837daeaf1e05bf7688cb878c870a6cba35cd191e6379e492c8e657eac87709d4a2da0b2dc88fcf70e8a53b",
   "source": "same key; openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:none (OpenSSL 3.0.19 CLI)"
  },
  {
   "algorithm": "ecdsa-p256",
   "padding": "raw",
   "hash": "none",
   "operation": "verify",
   "privateKey": "30770201010420c4c5c582a277a6b004b9a6024611b22710da47ff95d299fb72d1d6dbbd980e24a00a06082a8648ce3d030107a144034200045782038e3ca6b22599f79e1a061691d849ab4d191114539d0364279d7a1659dfa93fb7fdbf9c72d008dab183a7636682a4a379fa9a7b6a147f8f383e7b0fbf79",
   "publicKey": "045782038e3ca6b22599f79e1a061691d849ab4d191114539d0364279d7a1659dfa93fb7fdbf9c72d008dab183a7636682a4a379fa9a7b6a147f8f383e7b0fbf79",
   "input": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
   "output": "79ea38a3a53c3fcdd12d0ec54e1c0cc3e4d8d3e0634067e41203b27509d5d391fc69d35edbbf48f785e55e0dd6dac516f0677837b5be1a5e0be5d6a5770b7d2a",
   "source": "P-256 key from openssl ecparam -genkey; signature by openssl dgst -sha256 -sign over \"abc\" (so over the digest SHA-256(\"abc\"), which is the input here), DER converted to r||s (OpenSSL 3.0.19 CLI)"
  }
 ]
} as const;
