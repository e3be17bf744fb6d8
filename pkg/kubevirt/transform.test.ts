// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HOOK_OPTIONS, type HookOptions } from './hook-options.js';
import { parseDomain, qemuArgValues, serializeDomain } from './domain-xml.js';
import { QemuVersionSchema } from './qemu-version.js';
import { transformDomain } from './transform.js';
import { KV_ERROR_CODES } from './errors.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'kubevirt');
const domainXml = readFileSync(join(fixtures, 'domain.xml'), 'utf8');
const edgeXml = readFileSync(join(fixtures, 'domain-hugepages-ignition.xml'), 'utf8');
const vmiText = readFileSync(join(fixtures, 'vmi.json'), 'utf8');

const opts = (o: Partial<HookOptions> = {}): HookOptions => ({ ...DEFAULT_HOOK_OPTIONS, qemuVersion: QemuVersionSchema.parse('9.1'), ...o });

function vmiWith(edit: (v: Record<string, any>) => void): string {
  const v = JSON.parse(vmiText) as Record<string, any>;
  edit(v);
  return JSON.stringify(v);
}

const compact = (xml: string): string => xml.replace(/>\s+</g, '><');

describe('transformDomain', () => {
  it('adds shared memfd memory and cryptodev-mode arguments for one device', () => {
    const out = transformDomain(domainXml, vmiText, opts());
    expect(out.deviceCount).toBe(1);
    expect(out.requests).toEqual([{ resource: 'vcrypto.dev/default', count: 1 }]);
    expect(out.xml).toContain('<memoryBacking>\n\t\t<source type="memfd"/>\n\t\t<access mode="shared"/>\n\t</memoryBacking>');
    expect(qemuArgValues(parseDomain(out.xml))).toEqual([
      '-chardev',
      'socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect=1',
      '-object',
      'cryptodev-vhost-user,id=vcryptodev0,chardev=vcrypto0',
      '-device',
      'virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.0,addr=0x10',
    ]);
  });

  it('is idempotent on indented and on compact XML', () => {
    for (const input of [domainXml, compact(domainXml), edgeXml, compact(edgeXml)]) {
      const once = transformDomain(input, vmiText, opts()).xml;
      expect(transformDomain(once, vmiText, opts()).xml).toBe(once);
    }
  });

  it('replaces its own arguments when the device count changes instead of adding more', () => {
    const two = transformDomain(domainXml, vmiWith((v) => (v.spec.domain.resources.limits['vcrypto.dev/default'] = '2')), opts()).xml;
    const back = transformDomain(two, vmiText, opts()).xml;
    expect(back).toBe(transformDomain(domainXml, vmiText, opts()).xml);
    expect(qemuArgValues(parseDomain(two)).filter((a) => a.startsWith('socket,'))).toEqual([
      'socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect=1',
      'socket,id=vcrypto1,path=/var/run/vcrypto/vcrypto.dev/default/1/vhost.sock,reconnect=1',
    ]);
  });

  it('leaves every other element and namespace untouched', () => {
    const out = parseDomain(transformDomain(edgeXml, vmiText, opts()).xml);
    const before = parseDomain(edgeXml);
    const text = (d: ReturnType<typeof parseDomain>, tag: string): string =>
      serializeDomain(d.getElementsByTagName(tag).item(0) as never);
    for (const tag of ['devices', 'metadata', 'os', 'features', 'uuid', 'name', 'memory', 'vcpu']) expect(text(out, tag)).toBe(text(before, tag));
    // KubeVirt's ignition argument and env stay first and in place.
    expect(qemuArgValues(out).slice(0, 2)).toEqual(['-fw_cfg', expect.stringContaining('name=opt/com.coreos/config')]);
    const env = out.getElementsByTagNameNS('http://libvirt.org/schemas/domain/qemu/1.0', 'env');
    expect(env.length).toBe(1);
    expect(out.documentElement?.getAttribute('xmlns:qemu')).toBe('http://libvirt.org/schemas/domain/qemu/1.0');
    expect(out.getElementsByTagName('kubevirt').item(0)?.namespaceURI).toBe('http://kubevirt.io');
  });

  it('keeps hugepages, turns an anonymous source into memfd and private NUMA memory into shared', () => {
    const out = transformDomain(edgeXml, vmiText, opts()).xml;
    expect(out).toMatch(/<hugepages>[\s\S]*<\/hugepages>\s*<source type="memfd"\/>\s*<access mode="shared"\/>/);
    expect(out).toContain('memAccess="shared"');
    expect(out).not.toContain('anonymous');
  });

  it('uses reconnect-ms from QEMU 9.2 on and no reconnect option when the version is unknown', () => {
    const arg = (o: HookOptions, vmi = vmiText): string =>
      qemuArgValues(parseDomain(transformDomain(domainXml, vmi, o).xml)).find((a) => a.startsWith('socket,')) ?? '';
    expect(arg(opts({ qemuVersion: QemuVersionSchema.parse('9.2') }))).toMatch(/,reconnect-ms=1000$/);
    expect(arg(opts({ qemuVersion: QemuVersionSchema.parse('10.0.2'), reconnectSeconds: 5 }))).toMatch(/,reconnect-ms=5000$/);
    expect(arg(opts({ qemuVersion: QemuVersionSchema.parse('7.2') }))).toMatch(/,reconnect=1$/);
    const unknown = transformDomain(domainXml, vmiText, opts({ qemuVersion: undefined }));
    expect(qemuArgValues(parseDomain(unknown.xml))[1]).toBe('socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock');
    expect(unknown.notes).toEqual([expect.objectContaining({ kind: 'no-reconnect' })]);
    // The VMI's annotation wins over the hook's flag.
    const annotated = vmiWith((v) => (v.metadata.annotations['vcrypto.dev/qemu-version'] = '9.2.1'));
    expect(arg(opts({ qemuVersion: QemuVersionSchema.parse('7.2') }), annotated)).toMatch(/,reconnect-ms=1000$/);
  });

  it('appends extra device options such as vectors=0 from a flag or an annotation', () => {
    const dev = (o: HookOptions, vmi = vmiText): string =>
      qemuArgValues(parseDomain(transformDomain(domainXml, vmi, o).xml)).find((a) => a.startsWith('virtio-crypto-pci')) ?? '';
    expect(dev(opts({ deviceOptions: ['vectors=0'] }))).toBe('virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.0,addr=0x10,vectors=0');
    const annotated = vmiWith((v) => (v.metadata.annotations['vcrypto.dev/device-options'] = 'vectors=0,event_idx=off'));
    expect(dev(opts(), annotated)).toBe('virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.0,addr=0x10,vectors=0,event_idx=off');
    const bad = vmiWith((v) => (v.metadata.annotations['vcrypto.dev/device-options'] = 'cryptodev=other'));
    expect(() => transformDomain(domainXml, bad, opts())).toThrow(/set by the hook/);
  });

  it('emits vhost-user-device-pci in device mode and refuses it before QEMU 8.2', () => {
    const vmi = vmiWith((v) => (v.metadata.annotations['vcrypto.dev/mode'] = 'device'));
    const out = transformDomain(domainXml, vmi, opts({ qemuVersion: QemuVersionSchema.parse('9.2'), dataQueues: 2, queueSize: 256 }));
    expect(qemuArgValues(parseDomain(out.xml))).toEqual([
      '-chardev',
      'socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect-ms=1000',
      '-device',
      'vhost-user-device-pci,id=vcrypto-dev0,chardev=vcrypto0,virtio-id=20,num_vqs=3,vq_size=256,config_size=56,bus=pcie.0,addr=0x10',
    ]);
    expect(() => transformDomain(domainXml, vmi, opts({ qemuVersion: QemuVersionSchema.parse('7.2') }))).toThrow(/QEMU 8.2/);
  });

  it('returns the domain byte for byte when the VMI asks for no device', () => {
    const none = vmiWith((v) => (v.spec.domain.resources = { requests: { memory: '1Gi' } }));
    const out = transformDomain(domainXml, none, opts());
    expect(out.deviceCount).toBe(0);
    expect(out.xml).toBe(domainXml);
  });

  it('counts a request alone, and only the named resource with --resource', () => {
    const requestOnly = vmiWith((v) => (v.spec.domain.resources = { requests: { 'vcrypto.dev/default': '3' } }));
    expect(transformDomain(domainXml, requestOnly, opts()).deviceCount).toBe(3);
    const twoPools = vmiWith((v) => (v.spec.domain.resources.limits['vcrypto.dev/fast'] = '1'));
    expect(transformDomain(domainXml, twoPools, opts({ resourceName: 'vcrypto.dev/fast' })).requests).toEqual([{ resource: 'vcrypto.dev/fast', count: 1 }]);
    const custom = vmiWith((v) => (v.spec.domain.resources = { limits: { 'example.com/crypto': '1' } }));
    expect(transformDomain(domainXml, custom, opts()).deviceCount).toBe(0);
    const socket = (vmi: string, o: HookOptions): string[] => qemuArgValues(parseDomain(transformDomain(domainXml, vmi, o).xml)).filter((a) => a.startsWith('socket,'));
    expect(socket(custom, opts({ resourceName: 'example.com/crypto' }))).toEqual(['socket,id=vcrypto0,path=/var/run/vcrypto/example.com/crypto/0/vhost.sock,reconnect=1']);
  });

  it('numbers the devices of several pools one after another, each at its own pool path', () => {
    const twoPools = vmiWith((v) => (v.spec.domain.resources = { limits: { 'vcrypto.dev/slow': '1', 'vcrypto.dev/fast': '2' }, requests: { memory: '1Gi' } }));
    const out = transformDomain(domainXml, twoPools, opts());
    expect(out.requests).toEqual([{ resource: 'vcrypto.dev/fast', count: 2 }, { resource: 'vcrypto.dev/slow', count: 1 }]);
    const args = qemuArgValues(parseDomain(out.xml));
    expect(args.filter((a) => a.startsWith('socket,'))).toEqual([
      'socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/fast/0/vhost.sock,reconnect=1',
      'socket,id=vcrypto1,path=/var/run/vcrypto/vcrypto.dev/fast/1/vhost.sock,reconnect=1',
      'socket,id=vcrypto2,path=/var/run/vcrypto/vcrypto.dev/slow/0/vhost.sock,reconnect=1',
    ]);
    expect(args.filter((a) => a.startsWith('virtio-crypto-pci')).map((a) => /addr=(0x[0-9a-f]+)/.exec(a)?.[1])).toEqual(['0x10', '0x11', '0x12']);
    expect(transformDomain(out.xml, twoPools, opts()).xml).toBe(out.xml);
  });

  it('refuses a template without {resource} for several pools, and socket paths too long for a unix socket', () => {
    const twoPools = vmiWith((v) => (v.spec.domain.resources.limits['vcrypto.dev/fast'] = '1'));
    expect(() => transformDomain(domainXml, twoPools, opts({ socketPathTemplate: '/run/vc/{index}/vhost.sock' }))).toThrow(
      /2 resources \(vcrypto.dev\/default, vcrypto.dev\/fast\).*has no \{resource\}/,
    );
    expect(transformDomain(domainXml, vmiText, opts({ socketPathTemplate: '/run/vc/{index}/vhost.sock' })).deviceCount).toBe(1);
    const long = vmiWith((v) => (v.spec.domain.resources = { limits: { [`vcrypto.dev/${'a'.repeat(70)}`]: '1' } }));
    expect(() => transformDomain(domainXml, long, opts())).toThrow(/is 112 bytes; a unix socket path holds at most 107/);
  });

  it('pins each device to its own slot on the root bus, unless the user gives bus or addr', () => {
    const two = vmiWith((v) => (v.spec.domain.resources.limits['vcrypto.dev/default'] = '2'));
    const devs = (xml: string, vmi: string, o: HookOptions = opts()): string[] =>
      qemuArgValues(parseDomain(transformDomain(xml, vmi, o).xml)).filter((a) => a.startsWith('virtio-crypto-pci'));
    expect(devs(domainXml, two)).toEqual([
      'virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.0,addr=0x10',
      'virtio-crypto-pci,id=vcrypto-dev1,cryptodev=vcryptodev1,bus=pcie.0,addr=0x11',
    ]);
    const i440fx = domainXml.replace('machine="q35"', 'machine="pc-i440fx-7.2"');
    expect(devs(i440fx, vmiText)).toEqual(['virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pci.0,addr=0x10']);
    expect(devs(domainXml, vmiText, opts({ deviceOptions: ['bus=pcie.1'] }))).toEqual(['virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.1']);
    expect(() => transformDomain(domainXml, two, opts({ pciSlotBase: 0x1e }))).toThrow(/do not fit/);
  });

  it('notes a VMI that may live-migrate', () => {
    const migrate = vmiWith((v) => (v.spec.evictionStrategy = 'LiveMigrate'));
    expect(transformDomain(domainXml, migrate, opts()).notes).toEqual([{ kind: 'migration', reason: 'spec.evictionStrategy is LiveMigrate' }]);
    expect(transformDomain(domainXml, vmiText, opts()).notes).toEqual([]);
  });

  it('throws typed errors for a broken VMI, a bad count and a broken domain', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e: unknown) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    expect(code(() => transformDomain(domainXml, '{not json', opts()))).toBe(KV_ERROR_CODES.VMI_INVALID);
    expect(code(() => transformDomain(domainXml, '{"spec":{}}', opts()))).toBe(KV_ERROR_CODES.VMI_INVALID);
    const half = vmiWith((v) => (v.spec.domain.resources.limits['vcrypto.dev/default'] = '500m'));
    expect(code(() => transformDomain(domainXml, half, opts()))).toBe(KV_ERROR_CODES.REQUEST_INVALID);
    expect(code(() => transformDomain('<domain><name>x</domain>', vmiText, opts()))).toBe(KV_ERROR_CODES.DOMAIN_INVALID);
    expect(code(() => transformDomain('<pod/>', vmiText, opts()))).toBe(KV_ERROR_CODES.DOMAIN_INVALID);
  });

  it('binds the qemu namespace when the domain lacks it', () => {
    const bare = domainXml.replace(' xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"', '');
    const out = transformDomain(bare, vmiText, opts()).xml;
    expect(out).toMatch(/^<domain type="kvm" xmlns:qemu="http:\/\/libvirt.org\/schemas\/domain\/qemu\/1.0">/);
    expect(out).toMatch(/\t<qemu:commandline>\n\t\t<qemu:arg value="-chardev"\/>[\s\S]*<\/qemu:commandline>\n<\/domain>$/);
    expect(transformDomain(out, vmiText, opts()).xml).toBe(out);
  });
});
