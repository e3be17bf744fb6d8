// SPDX-License-Identifier: Apache-2.0
/**
 * FAKE API server (tests only): label selector and field selector matching with the Kubernetes
 * string syntax (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`; fields:
 * `metadata.name=x`, `metadata.namespace=x`). Knows nothing of HTTP or storage.
 */
import type { FakeObject } from './resources.js';

type Requirement = (labels: Record<string, string>) => boolean;

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') terms.push(current.trim());
  return terms;
}

function parseTerm(term: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set !== null) {
    const [, key = '', op, list = ''] = set;
    const values = new Set(list.split(',').map((v) => v.trim()).filter((v) => v !== ''));
    return op === 'in' ? (l) => key in l && values.has(l[key] ?? '') : (l) => !(key in l) || !values.has(l[key] ?? '');
  }
  const cmp = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (cmp !== null) {
    const [, key = '', op, value = ''] = cmp;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  if (/^![^\s!=]+$/.test(term)) return (l) => !(term.slice(1) in l);
  if (/^[^\s!=]+$/.test(term)) return (l) => term in l;
  throw new Error(`unparsable label selector term: ${term}`);
}

/** Compiles a label selector string; throws on syntax the fake does not know. */
export function compileLabelSelector(selector: string | null): (obj: FakeObject) => boolean {
  if (selector === null || selector.trim() === '') return () => true;
  const reqs = splitTerms(selector).map(parseTerm);
  return (obj) => reqs.every((r) => r(obj.metadata.labels ?? {}));
}

/** Compiles a field selector on metadata.name / metadata.namespace (= and !=). */
export function compileFieldSelector(selector: string | null): (obj: FakeObject) => boolean {
  if (selector === null || selector.trim() === '') return () => true;
  const reqs = splitTerms(selector).map((term) => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m === null) throw new Error(`the fake API server only knows field selectors on metadata.name/namespace: ${term}`);
    const [, field, op, value] = m;
    const get = (o: FakeObject): string => (field === 'metadata.name' ? o.metadata.name : o.metadata.namespace ?? '');
    return op === '!=' ? (o: FakeObject) => get(o) !== value : (o: FakeObject) => get(o) === value;
  });
  return (obj) => reqs.every((r) => r(obj));
}
