// SPDX-License-Identifier: Apache-2.0
/**
 * Turns a hook-transformed KubeVirt domain into one libvirt can boot on this machine under TCG,
 * for the boot test: only what a bare host cannot provide is changed (KubeVirt's pod-only
 * resources: tap interface, container disks, VNC/serial sockets under /var/run/kubevirt-private,
 * the host-model CPU), and a direct kernel boot with a serial log file is added. The memory
 * backing and <qemu:commandline> the hook wrote are left exactly as they are. Test support only.
 */
import type { Element } from '@xmldom/xmldom';
import { parseDomain, serializeDomain } from '../../pkg/kubevirt/index.js';

export interface BootOptions {
  readonly name: string;
  readonly uuid: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
  readonly memoryMiB: number;
  readonly serialLog: string;
}

export function bootableDomain(transformedXml: string, o: BootOptions): string {
  const doc = parseDomain(transformedXml);
  const domain = doc.documentElement as Element;
  const first = (tag: string): Element => {
    const e = domain.getElementsByTagName(tag).item(0);
    if (e === null) throw new Error(`domain has no <${tag}>`);
    return e;
  };
  const make = (tag: string, attrs: Record<string, string> = {}, text?: string): Element => {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.appendChild(doc.createTextNode(text));
    return e;
  };
  domain.setAttribute('type', 'qemu');
  first('name').textContent = o.name;
  first('uuid').textContent = o.uuid;
  for (const entry of Array.from(domain.getElementsByTagName('entry'))) if (entry.getAttribute('name') === 'uuid') entry.textContent = o.uuid;
  first('memory').textContent = String(o.memoryMiB * 1024 * 1024);
  const os = first('os');
  os.appendChild(make('kernel', {}, o.kernel));
  os.appendChild(make('initrd', {}, o.initrd));
  os.appendChild(make('cmdline', {}, o.cmdline));
  const devices = first('devices');
  for (const tag of ['interface', 'disk', 'graphics', 'serial', 'console', 'channel']) {
    for (const e of Array.from(devices.getElementsByTagName(tag))) if (e.parentNode === devices) devices.removeChild(e);
  }
  const serial = make('serial', { type: 'file' });
  serial.appendChild(make('source', { path: o.serialLog }));
  serial.appendChild(make('target', { port: '0' }));
  devices.appendChild(serial);
  domain.removeChild(first('cpu'));
  return serializeDomain(doc);
}
