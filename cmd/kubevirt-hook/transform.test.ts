// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTransform, type TransformIo } from './transform.js';
import { run } from './main.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'kubevirt');
const domainXml = readFileSync(join(fixtures, 'domain.xml'), 'utf8');
const vmiPath = join(fixtures, 'vmi.json');

function io(stdin: string): TransformIo & { out: string; err: string } {
  const r = { out: '', err: '', readStdin: () => stdin, stdout: (s: string) => void (r.out += s), stderr: (s: string) => void (r.err += s) };
  return r;
}

describe('vcrypto kubevirt-hook transform', () => {
  it('reads the domain on stdin and writes the transformed domain on stdout', () => {
    const t = io(domainXml);
    expect(runTransform(['--vmi', vmiPath, '--qemu-version', '7.2', '--device-options', 'vectors=0'], t)).toBe(0);
    expect(t.out).toContain('<qemu:arg value="virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.0,addr=0x10,vectors=0"/>');
    expect(t.err).toBe('vcrypto kubevirt-hook transform: default/vm-crypto: added 1 device(s) (1 of vcrypto.dev/default) in cryptodev mode\n');
    const again = io(t.out);
    expect(runTransform(['--vmi', vmiPath, '--qemu-version', '7.2', '--device-options', 'vectors=0'], again)).toBe(0);
    expect(again.out).toBe(t.out);
  });

  it('counts a custom resource name given with --resource', () => {
    const t = io(domainXml);
    expect(runTransform(['--vmi', vmiPath, '--qemu-version', '9.2', '--resource', 'example.com/crypto'], t)).toBe(0);
    expect(t.err).toContain('no vcrypto device requested; domain unchanged');
    expect(t.out.trimEnd()).toBe(domainXml.trimEnd());
  });

  it('names the file it cannot read', () => {
    const t = io(domainXml);
    expect(runTransform(['--vmi', '/nonexistent/vmi.json'], t)).toBe(2);
    expect(t.err).toMatch(/^vcrypto kubevirt-hook transform: cannot read --vmi \/nonexistent\/vmi.json: ENOENT/);
    const d = io('');
    expect(runTransform(['--vmi', vmiPath, '--domain', '/nonexistent/domain.xml'], d)).toBe(2);
    expect(d.err).toMatch(/cannot read --domain \/nonexistent\/domain.xml: ENOENT/);
  });

  it('warns on stderr when the QEMU version is unknown', () => {
    const t = io(domainXml);
    expect(runTransform(['--vmi', vmiPath], t)).toBe(0);
    expect(t.err).toContain('warning: no reconnect option');
  });

  it('exits 2 naming the flag for a bad flag value', () => {
    const t = io(domainXml);
    expect(runTransform(['--vmi', vmiPath, '--qemu-version', 'nine'], t)).toBe(2);
    expect(t.err).toMatch(/^vcrypto kubevirt-hook transform: invalid value for --qemu-version: must look like 7.2/);
    const r = io(domainXml);
    expect(runTransform(['--vmi', vmiPath, '--device-options', 'id=x'], r)).toBe(2);
    expect(r.err).toContain('--device-options');
    const res = io(domainXml);
    expect(runTransform(['--vmi', vmiPath, '--resource', 'nodomain'], res)).toBe(2);
    expect(res.err).toMatch(/invalid value for --resource: must be an extended resource name: vcrypto.dev\/<pool>, or a pool's spec.resourceName such as example.com\/crypto/);
    const tpl = io(domainXml);
    expect(runTransform(['--vmi', vmiPath, '--socket-path-template', '/run/vc/vhost.sock'], tpl)).toBe(2);
    expect(tpl.err).toMatch(/invalid value for --socket-path-template: must be an absolute path containing \{index\}/);
  });

  it('exits 1 with the error code for a domain that is not XML', () => {
    const t = io('not xml at all');
    expect(runTransform(['--vmi', vmiPath], t)).toBe(1);
    expect(t.err).toContain('VCRYPTO_ERR_KV_DOMAIN_INVALID');
    expect(t.out).toBe('');
  });

  it('answers --help for both forms', async () => {
    const t = io('');
    expect(runTransform(['--help'], t)).toBe(0);
    expect(t.out).toContain('Usage: vcrypto kubevirt-hook transform --vmi VMI.json');
    expect(await run(['transform', '--help'])).toBe(0);
    expect(await run(['--help'])).toBe(0);
  });
});
