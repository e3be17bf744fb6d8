// SPDX-License-Identifier: Apache-2.0
/**
 * Indentation-preserving insert and remove for an @xmldom/xmldom tree. KubeVirt hands the hook
 * either compact XML (Go's xml.Marshal) or indented XML (MarshalIndent, or libvirt's dumpxml);
 * new elements copy the indentation of their siblings, and a removed element takes the
 * whitespace before it along, so removing then re-adding an element gives the same text (the
 * hook's idempotency rests on this). Knows nothing of libvirt or of what the elements mean.
 */
import type { Element, Node } from '@xmldom/xmldom';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

const isWhitespaceText = (n: Node | null): n is Node =>
  n !== null && n.nodeType === TEXT_NODE && /^\s*$/.test(n.nodeValue ?? '');

export const isElement = (n: Node | null): n is Element => n !== null && n.nodeType === ELEMENT_NODE;

export function elementChildren(parent: Element): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) if (isElement(n)) out.push(n);
  return out;
}

/** The whitespace text node right before `node`, if any. */
function leadingWhitespace(node: Node): Node | null {
  const prev = node.previousSibling;
  return isWhitespaceText(prev) ? prev : null;
}

/** The indentation unit of the document ("\t", "  ", ...) or '' when it is compact. */
function indentUnit(root: Element): string {
  const first = elementChildren(root)[0];
  const ws = first === undefined ? null : leadingWhitespace(first);
  const text = ws?.nodeValue ?? '';
  const nl = text.lastIndexOf('\n');
  return nl < 0 ? '' : text.slice(nl + 1);
}

/** The whitespace (newline + indentation) that should precede a child of `parent`. */
function childLead(parent: Element): string {
  const first = elementChildren(parent)[0];
  if (first !== undefined) return leadingWhitespace(first)?.nodeValue ?? '';
  const doc = parent.ownerDocument;
  const root = doc?.documentElement;
  if (root === null || root === undefined) return '';
  const unit = indentUnit(root);
  if (unit === '') return '';
  const own = parent === root ? '\n' : (leadingWhitespace(parent)?.nodeValue ?? '\n');
  return own + unit;
}

/** Closing whitespace an empty parent needs once it gets its first child. */
function closingLead(parent: Element): string {
  const root = parent.ownerDocument?.documentElement;
  if (root === null || root === undefined || indentUnit(root) === '') return '';
  return parent === root ? '\n' : (leadingWhitespace(parent)?.nodeValue ?? '\n');
}

function text(parent: Element, value: string): Node {
  const doc = parent.ownerDocument;
  if (doc === null) throw new TypeError('element has no owner document');
  return doc.createTextNode(value);
}

/** Appends `child` as the last element of `parent`, indented like its siblings. */
export function appendIndented(parent: Element, child: Element): void {
  const lead = childLead(parent);
  const hadElements = elementChildren(parent).length > 0;
  const last = parent.lastChild;
  if (hadElements && isWhitespaceText(last)) {
    if (lead !== '') parent.insertBefore(text(parent, lead), last);
    parent.insertBefore(child, last);
    return;
  }
  if (!hadElements) {
    // An emptied parent may still hold the whitespace its old children left: start clean.
    while (isWhitespaceText(parent.firstChild)) parent.removeChild(parent.firstChild);
  }
  if (lead !== '') parent.appendChild(text(parent, lead));
  parent.appendChild(child);
  if (!hadElements) {
    const close = closingLead(parent);
    if (close !== '') parent.appendChild(text(parent, close));
  }
}

/** Inserts `child` right after `anchor` (an element child of `parent`), indented like `anchor`. */
export function insertAfterIndented(parent: Element, anchor: Element, child: Element): void {
  const lead = leadingWhitespace(anchor)?.nodeValue ?? '';
  const next = anchor.nextSibling;
  if (lead !== '') parent.insertBefore(text(parent, lead), next);
  parent.insertBefore(child, next);
}

/** Inserts `child` before every other element child of `parent`. */
export function prependIndented(parent: Element, child: Element): void {
  const first = elementChildren(parent)[0];
  if (first === undefined) {
    appendIndented(parent, child);
    return;
  }
  const lead = leadingWhitespace(first)?.nodeValue ?? '';
  parent.insertBefore(child, first);
  if (lead !== '') parent.insertBefore(text(parent, lead), first);
}

/** Removes `node` and the whitespace in front of it. */
export function removeWithIndent(node: Element): void {
  const parent = node.parentNode;
  if (parent === null) return;
  const ws = leadingWhitespace(node);
  if (ws !== null) parent.removeChild(ws);
  parent.removeChild(node);
}
