// SPDX-License-Identifier: Apache-2.0
/**
 * FAKE API server (tests only): the three patch types the API server accepts on JSON objects:
 * JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch as far as the
 * operator needs it (a merge patch whose lists of objects with a `name` merge by name; `$patch:
 * replace|delete` directives on such list items and maps). Pure functions; no HTTP, no storage.
 */

export class FakePatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FakePatchError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

function isNamedList(list: unknown): list is Record<string, Json>[] {
  return Array.isArray(list) && list.length > 0 && list.every((i) => isObject(i) && typeof i['name'] === 'string');
}

/** Strategic merge patch, reduced: merge keys are `name` for lists of objects that all have one. */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return clone(rest);
  }
  const out: Record<string, Json> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (v === null) delete out[k];
    else if (isNamedList(v) && (isNamedList(out[k]) || out[k] === undefined)) {
      const merged = [...((out[k] as Record<string, Json>[] | undefined) ?? [])];
      for (const item of v) {
        const at = merged.findIndex((m) => m['name'] === item['name']);
        if (item['$patch'] === 'delete') {
          if (at >= 0) merged.splice(at, 1);
        } else if (at >= 0) merged[at] = strategicMergePatch(merged[at], item) as Record<string, Json>;
        else merged.push(strategicMergePatch(undefined, item) as Record<string, Json>);
      }
      out[k] = merged;
    } else out[k] = strategicMergePatch(out[k], v) as Json;
  }
  return out;
}

interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new FakePatchError(`JSON pointer must start with /: ${path}`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw new FakePatchError(`path not found: ${path}`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new FakePatchError(`path not found: ${path}`);
  return { parent: cur as Record<string, unknown> | unknown[], key: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new FakePatchError(`path not found: ${path}`);
  }
  return cur;
}

function removeAt(doc: unknown, path: string): unknown {
  const { parent, key } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw new FakePatchError(`path not found: ${path}`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw new FakePatchError(`path not found: ${path}`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(i >= 0 && i <= parent.length - (replace ? 1 : 0))) throw new FakePatchError(`index out of range: ${path}`);
    parent.splice(i, replace ? 1 : 0, clone(value));
  } else {
    if (replace && !(key in parent)) throw new FakePatchError(`path not found: ${path}`);
    parent[key] = clone(value);
  }
  return doc;
}

/** RFC 6902 on a copy of `target`. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new FakePatchError('a JSON patch is an array of operations');
  let doc = clone(target);
  for (const raw of ops as JsonPatchOp[]) {
    switch (raw.op) {
      case 'add': doc = addAt(doc, raw.path, raw.value, false); break;
      case 'replace': doc = addAt(doc, raw.path, raw.value, true); break;
      case 'remove': removeAt(doc, raw.path); break;
      case 'copy': doc = addAt(doc, raw.path, getAt(doc, raw.from ?? ''), false); break;
      case 'move': {
        const v = removeAt(doc, raw.from ?? '');
        doc = addAt(doc, raw.path, v, false);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) throw new FakePatchError(`test failed at ${raw.path}`);
        break;
      default: throw new FakePatchError(`unknown JSON patch op: ${String((raw as { op?: unknown }).op)}`);
    }
  }
  return doc;
}

export const PATCH_TYPES = {
  'application/merge-patch+json': mergePatch,
  'application/strategic-merge-patch+json': strategicMergePatch,
  'application/json-patch+json': jsonPatch,
} as const;
