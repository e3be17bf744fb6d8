// SPDX-License-Identifier: Apache-2.0
/**
 * The hook's output is accepted by real libvirt: the KubeVirt-style fixture domain, transformed
 * for one and for two devices, is defined with `virsh define`, read back with `virsh dumpxml`,
 * and the memfd/shared memory backing and every <qemu:arg> must have survived libvirt's own
 * parse and format. Skips when virsh is not installed (test/kubevirt/setup-libvirt.sh installs
 * libvirt from Debian and starts the daemon). Without /dev/kvm the domain type is switched
 * from kvm to qemu (TCG), the only edit made to the hook's output.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_HOOK_OPTIONS, parseDomain, qemuArgValues, QemuVersionSchema, transformDomain } from '../../pkg/kubevirt/index.js';
import { hasKvm, hasVirsh, libvirtUri, virsh } from './libvirt.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'kubevirt');
const domainXml = readFileSync(join(fixtures, 'domain.xml'), 'utf8');
const edgeXml = readFileSync(join(fixtures, 'domain-hugepages-ignition.xml'), 'utf8');
const vmiText = readFileSync(join(fixtures, 'vmi.json'), 'utf8');

const virshMissing = !hasVirsh();
if (virshMissing) {
  process.stderr.write('test/kubevirt/libvirt.test.ts: skipped: virsh is not installed (run bash test/kubevirt/setup-libvirt.sh)\n');
}

describe.skipIf(virshMissing)('transformed KubeVirt domain in real libvirt (virsh define + dumpxml)', () => {
  const uri = libvirtUri();
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-libvirt-'));
  const defined: string[] = [];
  afterAll(() => {
    for (const name of defined) {
      try {
        virsh(uri, 'undefine', name);
      } catch (e: unknown) {
        process.stderr.write(`cleanup: ${(e as Error).message}\n`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function defineTransformed(input: string, devices: number, qemuVersion: string): { name: string; sent: string; back: string } {
    const vmi = JSON.parse(vmiText) as { spec: { domain: { resources: { limits: Record<string, string> } } } };
    vmi.spec.domain.resources.limits['vcrypto.dev/default'] = String(devices);
    const sent = transformDomain(input, JSON.stringify(vmi), {
      ...DEFAULT_HOOK_OPTIONS,
      qemuVersion: QemuVersionSchema.parse(qemuVersion),
      deviceOptions: ['vectors=0'],
    }).xml;
    const name = `vcrypto-test-${randomUUID().slice(0, 8)}`;
    // A fresh name and uuid (also in SMBIOS, which libvirt checks) so runs never collide.
    const oldUuid = /<uuid>([^<]*)<\/uuid>/.exec(sent)?.[1] ?? '';
    const forLibvirt = (hasKvm() ? sent : sent.replace('<domain type="kvm"', '<domain type="qemu"'))
      .replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`)
      .replaceAll(oldUuid, randomUUID());
    const file = join(dir, `${name}.xml`);
    writeFileSync(file, forLibvirt);
    virsh(uri, 'define', file);
    defined.push(name);
    return { name, sent, back: virsh(uri, 'dumpxml', name) };
  }

  it('keeps the shared memfd backing and the cryptodev arguments of one device', () => {
    const { sent, back } = defineTransformed(domainXml, 1, '7.2');
    const mb = parseDomain(back).getElementsByTagName('memoryBacking').item(0);
    expect(mb?.getElementsByTagName('source').item(0)?.getAttribute('type')).toBe('memfd');
    expect(mb?.getElementsByTagName('access').item(0)?.getAttribute('mode')).toBe('shared');
    const args = qemuArgValues(parseDomain(back));
    expect(args).toEqual(qemuArgValues(parseDomain(sent)));
    expect(args).toEqual([
      '-chardev',
      'socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect=1',
      '-object',
      'cryptodev-vhost-user,id=vcryptodev0,chardev=vcrypto0',
      '-device',
      'virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.0,addr=0x10,vectors=0',
    ]);
  });

  it('keeps hugepages, shared NUMA memory, KubeVirt ignition arguments and two devices', () => {
    const { back } = defineTransformed(edgeXml, 2, '9.2');
    const doc = parseDomain(back);
    const mb = doc.getElementsByTagName('memoryBacking').item(0);
    expect(mb?.getElementsByTagName('hugepages').length).toBe(1);
    expect(mb?.getElementsByTagName('source').item(0)?.getAttribute('type')).toBe('memfd');
    expect(doc.getElementsByTagName('cell').item(0)?.getAttribute('memAccess')).toBe('shared');
    const args = qemuArgValues(doc);
    expect(args[0]).toBe('-fw_cfg');
    expect(args.filter((a) => a.startsWith('socket,'))).toEqual([
      'socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect-ms=1000',
      'socket,id=vcrypto1,path=/var/run/vcrypto/vcrypto.dev/default/1/vhost.sock,reconnect-ms=1000',
    ]);
    expect(args.filter((a) => a.startsWith('virtio-crypto-pci'))).toHaveLength(2);
    expect(back).toMatch(/<qemu:env name=["']QEMU_AUDIO_DRV["'] value=["']none["']\/>/);
  });
});
