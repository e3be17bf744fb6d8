// SPDX-License-Identifier: Apache-2.0
/**
 * What a `vcrypto device` process offers when its operator narrows it: --services and
 * --algorithms shape the config space and refuse sessions outside them (NOTSUPP), and
 * --queue-size disconnects a frontend that sets up a larger ring while the process serves the
 * next one; --socket-owner and --socket-mode set the socket file's rights. A real device process
 * over its socket, driven by the project frontend.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VhostUserFrontend } from '../../device-core/src/testing/frontend.js';
import { ctrl } from '../../device-core/src/testing/request-builder.js';
import { VIRTIO_CRYPTO_CIPHER as C, VIRTIO_CRYPTO_HASH as H, VIRTIO_CRYPTO_MAC as M, VIRTIO_CRYPTO_OP_ENCRYPT, VIRTIO_CRYPTO_STATUS as S } from '../../device-core/src/spec/virtio-crypto.js';
import { expectNextServed, startDevice, until, type DeviceProcess } from '../hostile/support.js';
import { CLI } from './node-agent-support.js';

describe('vcrypto device narrowed by --services, --algorithms and --queue-size', () => {
  let dev: DeviceProcess;
  let socket: string;

  beforeAll(async () => {
    // hmac-sha256 is asked for but the mac service is not: it must not be offered either.
    dev = await startDevice(['--services', 'cipher,hash', '--algorithms', 'aes-cbc,sha256,hmac-sha256', '--queue-size', '256']);
    socket = dev.socket;
  });

  afterAll(() => dev.stop());

  it('advertises only the asked-for services and algorithms in its config space', async () => {
    const f = await VhostUserFrontend.connect({ socketPath: socket, mode: 'device', queueSize: 256 });
    try {
      const config = Buffer.from(f.config!);
      expect(config.readUInt32LE(8)).toBe((1 << 0) | (1 << 1)); // crypto_services: CIPHER and HASH
      expect(config.readUInt32LE(12)).toBe(1 << C.VIRTIO_CRYPTO_CIPHER_AES_CBC); // cipher_algo_l
      expect(config.readUInt32LE(16)).toBe(0); // cipher_algo_h
      expect(config.readUInt32LE(20)).toBe(1 << H.VIRTIO_CRYPTO_HASH_SHA_256); // hash_algo
      expect([config.readUInt32LE(24), config.readUInt32LE(28), config.readUInt32LE(32), config.readUInt32LE(44)]).toEqual([0, 0, 0, 0]); // mac, aead, akcipher
    } finally {
      f.close();
    }
    expect(dev.stderr()).toMatch(/not offered.*"algorithms":"hmac-sha256"/);
  });

  it('creates sessions for what it offers and answers NOTSUPP for the rest', async () => {
    const f = await VhostUserFrontend.connect({ socketPath: socket, mode: 'device', queueSize: 256 });
    try {
      const aes = await f.createSession(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CBC, new Uint8Array(16).fill(7), VIRTIO_CRYPTO_OP_ENCRYPT));
      const sha256 = await f.createSession(ctrl.hashSession(H.VIRTIO_CRYPTO_HASH_SHA_256, 32));
      const sha1 = await f.createSession(ctrl.hashSession(H.VIRTIO_CRYPTO_HASH_SHA1, 20));
      const aesCtr = await f.createSession(ctrl.cipherSession(C.VIRTIO_CRYPTO_CIPHER_AES_CTR, new Uint8Array(16).fill(7), VIRTIO_CRYPTO_OP_ENCRYPT));
      const hmac = await f.createSession(ctrl.macSession(M.VIRTIO_CRYPTO_MAC_HMAC_SHA_256, 32, new Uint8Array(32).fill(9)));
      expect([aes.status, sha256.status, sha1.status, aesCtr.status, hmac.status]).toEqual([
        S.VIRTIO_CRYPTO_OK,
        S.VIRTIO_CRYPTO_OK,
        S.VIRTIO_CRYPTO_NOTSUPP,
        S.VIRTIO_CRYPTO_NOTSUPP,
        S.VIRTIO_CRYPTO_NOTSUPP,
      ]);
    } finally {
      f.close();
    }
  });

  it('disconnects a frontend whose ring is larger than --queue-size, then serves the next', async () => {
    await expect(VhostUserFrontend.connect({ socketPath: socket, mode: 'device', queueSize: 512 })).rejects.toThrow();
    await until('the device logs the protocol error', () => dev.stderr().includes('vring size 512 is not a power of two up to 256'), 5_000);
    await expectNextServed(dev);
  });

  it('refuses unknown names and ring sizes with exit code 2, naming the flag and what is allowed', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'device', '--socket', join(dev.dir, 'bad.sock'), ...args], { encoding: 'utf8' });
    const badAlgo = run('--algorithms', 'aes-cbc,twofish');
    expect(badAlgo.status).toBe(2);
    expect(badAlgo.stderr).toMatch(/invalid value for --algorithms: unknown algorithm twofish; allowed: .*aes-cbc/);
    const badService = run('--services', 'cipher,tls');
    expect(badService.status).toBe(2);
    expect(badService.stderr).toMatch(/invalid value for --services: unknown service tls; allowed: cipher, hash, mac, aead, akcipher/);
    const badSize = run('--queue-size', '300');
    expect(badSize.status).toBe(2);
    expect(badSize.stderr).toMatch(/invalid value for --queue-size: must be a power of two/);
    const badMode = run('--socket-mode', 'rw-rw----');
    expect(badMode.status).toBe(2);
    expect(badMode.stderr).toMatch(/invalid value for --socket-mode: must be permission bits in octal, e.g. 0660/);
    const badOwner = run('--socket-owner', 'qemu:kvm');
    expect(badOwner.status).toBe(2);
    expect(badOwner.stderr).toMatch(/invalid value for --socket-owner: must be UID:GID in numbers/);
  });

  it('gives its socket the owner and mode of --socket-owner and --socket-mode', async () => {
    const uid = process.getuid?.() ?? 0;
    // Only root may give a file to someone else; anyone may name themselves and a group of theirs.
    const owner = uid === 0 ? '4242:4243' : `${uid}:${process.getgid?.() ?? 0}`;
    const owned = await startDevice(['--socket-owner', owner, '--socket-mode', '0640']);
    try {
      const st = statSync(owned.socket);
      expect(`${st.uid}:${st.gid} ${(st.mode & 0o777).toString(8)}`).toBe(`${owner} 640`);
    } finally {
      await owned.stop();
    }
  });
});
