// SPDX-License-Identifier: Apache-2.0
/**
 * Pure edits of a libvirt domain XML document (parsed with @xmldom/xmldom): make guest RAM a
 * shared memfd (what a vhost-user backend needs to map it), and own a set of <qemu:arg> pairs in
 * <qemu:commandline> — earlier copies of ours are removed, everything else is left as it was.
 * Knows libvirt's domain format, not the VMI, gRPC or what the QEMU arguments mean.
 */
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { DomainInvalidError } from './errors.js';
import type { QemuArg } from './device-args.js';
import { appendIndented, elementChildren, insertAfterIndented, prependIndented, removeWithIndent } from './xml-layout.js';

/** libvirt's namespace for QEMU pass-through (formatdomain "QEMU command-line passthrough"). */
export const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export function parseDomain(xml: string): Document {
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (e: unknown) {
    throw new DomainInvalidError('domain XML is not well-formed', { cause: e });
  }
  const root = doc.documentElement;
  if (root === null || root.localName !== 'domain' || root.namespaceURI !== null) {
    throw new DomainInvalidError(`domain XML root is <${root?.tagName ?? 'nothing'}>, not <domain>`);
  }
  return doc;
}

export function serializeDomain(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

function root(doc: Document): Element {
  const r = doc.documentElement;
  if (r === null) throw new DomainInvalidError('domain XML has no root element');
  return r;
}

const child = (parent: Element, name: string): Element | undefined =>
  elementChildren(parent).find((e) => e.namespaceURI === null && e.localName === name);

/** Children of <memoryBacking> in the order libvirt writes them. */
const MEMORY_BACKING_ORDER = ['hugepages', 'nosharepages', 'locked', 'source', 'access', 'allocation', 'discard'];

function insertInOrder(parent: Element, el: Element, order: readonly string[]): void {
  const rank = order.indexOf(el.localName ?? '');
  const before = elementChildren(parent).filter((c) => order.includes(c.localName ?? '') && order.indexOf(c.localName ?? '') < rank);
  const anchor = before[before.length - 1];
  if (anchor !== undefined) insertAfterIndented(parent, anchor, el);
  else prependIndented(parent, el);
}

/**
 * Makes guest RAM a shared, fd-backed mapping: `<memoryBacking><source type='memfd'/>
 * <access mode='shared'/></memoryBacking>` (a `file` source is shareable too and kept), and any
 * NUMA cell that asks for private memory is made shared. Returns true when something changed.
 */
export function ensureSharedMemory(doc: Document): boolean {
  const domain = root(doc);
  let changed = false;
  let mb = child(domain, 'memoryBacking');
  if (mb === undefined) {
    mb = doc.createElement('memoryBacking');
    const anchor = ['currentMemory', 'memory', 'maxMemory', 'uuid', 'name']
      .map((n) => child(domain, n))
      .find((e) => e !== undefined);
    if (anchor !== undefined) insertAfterIndented(domain, anchor, mb);
    else prependIndented(domain, mb);
    changed = true;
  }
  const source = child(mb, 'source');
  if (source === undefined) {
    const s = doc.createElement('source');
    s.setAttribute('type', 'memfd');
    insertInOrder(mb, s, MEMORY_BACKING_ORDER);
    changed = true;
  } else if (source.getAttribute('type') !== 'memfd' && source.getAttribute('type') !== 'file') {
    source.setAttribute('type', 'memfd');
    changed = true;
  }
  const access = child(mb, 'access');
  if (access === undefined) {
    const a = doc.createElement('access');
    a.setAttribute('mode', 'shared');
    insertInOrder(mb, a, MEMORY_BACKING_ORDER);
    changed = true;
  } else if (access.getAttribute('mode') !== 'shared') {
    access.setAttribute('mode', 'shared');
    changed = true;
  }
  const numa = child(domain, 'cpu') === undefined ? undefined : child(child(domain, 'cpu') as Element, 'numa');
  for (const cell of numa === undefined ? [] : elementChildren(numa)) {
    if (cell.localName === 'cell' && cell.getAttribute('memAccess') === 'private') {
      cell.setAttribute('memAccess', 'shared');
      changed = true;
    }
  }
  return changed;
}

/** The prefix bound to QEMU_NS on <domain>, binding `qemu` (or a free variant) when there is none. */
function qemuPrefix(domain: Element, bind: boolean): string | undefined {
  for (let i = 0; i < domain.attributes.length; i++) {
    const a = domain.attributes.item(i);
    if (a !== null && a.prefix === 'xmlns' && a.value === QEMU_NS) return a.localName ?? undefined;
  }
  if (!bind) return undefined;
  let prefix = 'qemu';
  for (let n = 1; domain.hasAttribute(`xmlns:${prefix}`); n++) prefix = `qemu${n}`;
  domain.setAttributeNS(XMLNS_NS, `xmlns:${prefix}`, QEMU_NS);
  return prefix;
}

const qemuChildren = (parent: Element, name: string): Element[] =>
  elementChildren(parent).filter((e) => e.namespaceURI === QEMU_NS && e.localName === name);

/**
 * Makes `args` the only <qemu:arg> pairs in <qemu:commandline> that `isOurs` claims: earlier
 * pairs whose value `isOurs` accepts are removed (with the flag before them), then `args` are
 * appended. Other arguments, <qemu:env> and the rest of the domain stay as they were. With no
 * args and nothing of ours present the document is not touched at all.
 */
export function replaceQemuArgs(doc: Document, args: readonly QemuArg[], isOurs: (value: string) => boolean): void {
  const domain = root(doc);
  const prefix = qemuPrefix(domain, args.length > 0);
  let cmdline = qemuChildren(domain, 'commandline')[0];
  if (cmdline !== undefined) {
    const list = qemuChildren(cmdline, 'arg');
    for (let k = 0; k + 1 < list.length; k++) {
      const flag = list[k] as Element;
      const value = list[k + 1] as Element;
      if ((flag.getAttribute('value') ?? '').startsWith('-') && isOurs(value.getAttribute('value') ?? '')) {
        removeWithIndent(flag);
        removeWithIndent(value);
        k++;
      }
    }
  }
  if (args.length === 0) return;
  if (cmdline === undefined) {
    cmdline = doc.createElementNS(QEMU_NS, `${prefix}:commandline`);
    appendIndented(domain, cmdline);
  }
  const p = cmdline.prefix ?? prefix;
  // Our pairs go after the last existing <qemu:arg> (before any <qemu:env>), in order.
  let anchor = qemuChildren(cmdline, 'arg').at(-1);
  for (const a of args) {
    for (const v of [a.flag, a.value]) {
      const el = doc.createElementNS(QEMU_NS, `${p}:arg`);
      el.setAttribute('value', v);
      if (anchor !== undefined) insertAfterIndented(cmdline, anchor, el);
      else if (elementChildren(cmdline).length > 0) prependIndented(cmdline, el);
      else appendIndented(cmdline, el);
      anchor = el;
    }
  }
}

/** The machine type in <os><type machine=...>, e.g. q35 or pc-q35-rhel9.4.0. */
export function machineType(doc: Document): string | undefined {
  const os = child(root(doc), 'os');
  const type = os === undefined ? undefined : child(os, 'type');
  return type?.getAttribute('machine') ?? undefined;
}

/** The values of every <qemu:arg>, in order (for tests and the `transform` summary). */
export function qemuArgValues(doc: Document): string[] {
  const domain = root(doc);
  return qemuChildren(domain, 'commandline').flatMap((c) => qemuChildren(c, 'arg').map((a) => a.getAttribute('value') ?? ''));
}
