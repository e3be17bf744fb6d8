// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { PoolConfigError } from './errors.js';
import { parsePoolConfig } from './pool-config.js';

describe('parsePoolConfig', () => {
  it('reads a VirtioCryptoDevice in YAML with defaults for what it leaves out', () => {
    const c = parsePoolConfig('apiVersion: vcrypto.dev/v1alpha1\nkind: VirtioCryptoDevice\nmetadata: { name: default }\nspec:\n  slotsPerNode: 4\n  nodeSelector: { a: b }\n');
    expect(c).toEqual({
      pool: 'default',
      resourceName: 'vcrypto.dev/default',
      slots: 4,
      backendType: 'auto',
      deviceArgs: ['--backend', 'auto', '--queues', '1', '--max-sessions', '1024', '--max-request-size', '4194304'],
    });
  });

  it('takes the short form, a resource name, limits and a socket owner', () => {
    const c = parsePoolConfig(JSON.stringify({ name: 'p1', spec: { resourceName: 'example.com/crypto', backend: { type: 'software' }, dataQueues: 4, maxSessions: 8, socketOwner: { uid: 1, gid: 2 } } }));
    expect(c.resourceName).toBe('example.com/crypto');
    expect(c.deviceArgs).toContain('4');
    expect(c.socketOwner).toEqual({ uid: 1, gid: 2 });
  });

  it('passes a preferred kernel driver to kernel and auto backends', () => {
    const kernel = parsePoolConfig('{"name":"p","spec":{"backend":{"type":"kernel","kernelDriver":"qat_aes_cbc"}}}');
    expect(kernel.deviceArgs.slice(0, 4)).toEqual(['--backend', 'kernel', '--kernel-driver', 'qat_aes_cbc']);
    const auto = parsePoolConfig('{"name":"p","spec":{"backend":{"kernelDriver":"qat_aes_cbc"}}}');
    expect(auto.deviceArgs.slice(0, 4)).toEqual(['--backend', 'auto', '--kernel-driver', 'qat_aes_cbc']);
  });

  it('passes the offered services and algorithms to the device, and nothing when the spec offers all', () => {
    const narrowed = parsePoolConfig('{"name":"p","spec":{"services":{"aead":false,"akcipher":false},"algorithms":["aes-cbc","sha256"]}}');
    expect(narrowed.deviceArgs.slice(-4)).toEqual(['--services', 'cipher,hash,mac', '--algorithms', 'aes-cbc,sha256']);
    const all = parsePoolConfig('{"name":"p","spec":{}}');
    expect(all.deviceArgs).not.toContain('--services');
    expect(all.deviceArgs).not.toContain('--algorithms');
  });

  it('passes pollMicroseconds to the device only when the spec sets it', () => {
    const polled = parsePoolConfig('{"name":"p","spec":{"dataQueues":2,"pollMicroseconds":50}}');
    expect(polled.deviceArgs.slice(2, 6)).toEqual(['--queues', '2', '--poll-us', '50']);
    expect(parsePoolConfig('{"name":"p","spec":{}}').deviceArgs).not.toContain('--poll-us');
    expect(() => parsePoolConfig('{"name":"p","spec":{"pollMicroseconds":1001}}')).toThrow(/at spec\.pollMicroseconds/);
  });

  it('names the field that is wrong', () => {
    expect(() => parsePoolConfig('{"name":"p","spec":{"slotsPerNode":-1}}')).toThrow(/at spec\.slotsPerNode/);
    expect(() => parsePoolConfig('{"name":"Bad_Name","spec":{}}')).toThrow(PoolConfigError);
    expect(() => parsePoolConfig('a: [')).toThrow(/not YAML or JSON/);
    expect(() => parsePoolConfig('{"name":"p","spec":{"backend":{"type":"software","kernelDriver":"x"}}}')).toThrow(/at spec\.backend\.kernelDriver: kernelDriver may be set only when type is kernel or auto/);
    expect(() => parsePoolConfig('{"name":"p","spec":{"slotPerNode":2}}')).toThrow(/at spec\.slotPerNode: unknown field/);
  });
});
