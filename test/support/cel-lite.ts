// SPDX-License-Identifier: Apache-2.0
/**
 * A small CEL front end for testing the CRDs' `x-kubernetes-validations` without an API server:
 * a tokenizer and parser for the part of CEL our rules use (literals, lists, field selection,
 * indexing, `! - * / % + - == != < <= > >= in && || ?:`, `has()`, `size()`, string functions and
 * the list macros), the field paths each rule reads (to check them against the schema), and an
 * evaluator with CEL's typing for those operations, to run the rules on sample objects.
 * Test support only: anything outside this subset is a parse error, so a new kind of rule makes
 * the test fail until this file learns it. Knows nothing of our kinds.
 */
export class CelError extends Error {
  override name = 'CelError';
}

export type Ast =
  | { k: 'lit'; v: unknown }
  | { k: 'list'; items: Ast[] }
  | { k: 'ident'; name: string }
  | { k: 'select'; obj: Ast; field: string }
  | { k: 'index'; obj: Ast; idx: Ast }
  | { k: 'call'; target: Ast | undefined; fn: string; args: Ast[] }
  | { k: 'unary'; op: '!' | '-'; x: Ast }
  | { k: 'bin'; op: string; l: Ast; r: Ast }
  | { k: 'cond'; c: Ast; t: Ast; f: Ast };

type Token = { t: 'str' | 'num' | 'id' | 'op'; v: string; at: number };

const OPS = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '!', '+', '-', '*', '/', '%', '.', ',', '(', ')', '[', ']', '?', ':'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' };

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'" || c === '"') {
      let v = '';
      let j = i + 1;
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === '\\') {
          const e = ESCAPES[src[j + 1] ?? ''];
          if (e === undefined) throw new CelError(`unsupported escape at ${j}`);
          v += e;
          j++;
        } else v += src[j];
      }
      if (j >= src.length) throw new CelError(`unterminated string at ${i}`);
      out.push({ t: 'str', v, at: i });
      i = j + 1;
      continue;
    }
    const num = /^[0-9]+/.exec(src.slice(i));
    if (num) { out.push({ t: 'num', v: num[0], at: i }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) { out.push({ t: 'id', v: id[0], at: i }); i += id[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new CelError(`unexpected character ${JSON.stringify(c)} at ${i}`);
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  return out;
}

const BINARY_LEVELS: string[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>=', 'in'], ['+', '-'], ['*', '/', '%']];

export function parseCel(src: string): Ast {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const isOp = (v: string): boolean => { const t = peek(); return t !== undefined && (t.t === 'op' || (v === 'in' && t.t === 'id')) && t.v === v; };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new CelError(`expected ${v} at ${peek()?.at ?? src.length} in ${src}`);
    p++;
  };
  const args = (close: string): Ast[] => {
    const out: Ast[] = [];
    if (isOp(close)) { p++; return out; }
    for (;;) {
      out.push(expr());
      if (isOp(close)) { p++; return out; }
      expect(',');
    }
  };
  const primary = (): Ast => {
    const t = toks[p++];
    if (t === undefined) throw new CelError(`unexpected end of ${src}`);
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (isOp('(')) { p++; return { k: 'call', target: undefined, fn: t.v, args: args(')') }; }
      return { k: 'ident', name: t.v };
    }
    if (t.v === '(') { const e = expr(); expect(')'); return e; }
    if (t.v === '[') return { k: 'list', items: args(']') };
    throw new CelError(`unexpected ${t.v} at ${t.at} in ${src}`);
  };
  const member = (): Ast => {
    let e = primary();
    for (;;) {
      if (isOp('.')) {
        p++;
        const id = toks[p++];
        if (id?.t !== 'id') throw new CelError(`expected a field name after . in ${src}`);
        if (isOp('(')) { p++; e = { k: 'call', target: e, fn: id.v, args: args(')') }; } else e = { k: 'select', obj: e, field: id.v };
      } else if (isOp('[')) {
        p++;
        const idx = expr();
        expect(']');
        e = { k: 'index', obj: e, idx };
      } else return e;
    }
  };
  const unary = (): Ast => {
    if (isOp('!')) { p++; return { k: 'unary', op: '!', x: unary() }; }
    if (isOp('-')) { p++; return { k: 'unary', op: '-', x: unary() }; }
    return member();
  };
  const level = (n: number): Ast => {
    const ops = BINARY_LEVELS[n];
    if (ops === undefined) return unary();
    let l = level(n + 1);
    for (;;) {
      const op = ops.find((o) => isOp(o));
      if (op === undefined) return l;
      p++;
      l = { k: 'bin', op, l, r: level(n + 1) };
    }
  };
  const expr = (): Ast => {
    const c = level(0);
    if (!isOp('?')) return c;
    p++;
    const t = expr();
    expect(':');
    return { k: 'cond', c, t, f: expr() };
  };
  const ast = expr();
  if (p !== toks.length) throw new CelError(`unexpected ${toks[p]?.v} at ${toks[p]?.at} in ${src}`);
  return ast;
}

const MACROS = new Set(['all', 'exists', 'exists_one']);
const FUNCTIONS = new Set(['has', 'size', 'contains', 'startsWith', 'endsWith', 'matches', ...MACROS]);

function selfChain(a: Ast): string[] | undefined {
  if (a.k === 'ident') return a.name === 'self' ? [] : undefined;
  if (a.k === 'select') {
    const c = selfChain(a.obj);
    return c === undefined ? undefined : [...c, a.field];
  }
  return undefined;
}

/** Every field path the rule reads from `self` (`['spec', 'pool']`); unknown functions or names throw. */
export function fieldPaths(ast: Ast, bound: ReadonlySet<string> = new Set()): string[][] {
  switch (ast.k) {
    case 'ident':
      if (ast.name !== 'self' && !bound.has(ast.name)) throw new CelError(`unknown name ${ast.name}`);
      return ast.name === 'self' ? [[]] : [];
    case 'select': {
      const c = selfChain(ast);
      return c !== undefined ? [c] : fieldPaths(ast.obj, bound);
    }
    case 'call': {
      if (!FUNCTIONS.has(ast.fn)) throw new CelError(`function ${ast.fn} is not known to this checker`);
      if (ast.fn === 'has' && (ast.args.length !== 1 || ast.args[0]?.k !== 'select')) throw new CelError('has() takes one field selection');
      if (MACROS.has(ast.fn)) {
        const v = ast.args[0];
        if (v?.k !== 'ident' || ast.args.length !== 2 || ast.target === undefined) throw new CelError(`${ast.fn}(var, predicate) needs a list`);
        return [...fieldPaths(ast.target, bound), ...fieldPaths(ast.args[1]!, new Set([...bound, v.name]))];
      }
      return [...(ast.target ? fieldPaths(ast.target, bound) : []), ...ast.args.flatMap((x) => fieldPaths(x, bound))];
    }
    default:
      return children(ast).flatMap((x) => fieldPaths(x, bound));
  }
}

function children(a: Ast): Ast[] {
  switch (a.k) {
    case 'list': return a.items;
    case 'index': return [a.obj, a.idx];
    case 'unary': return [a.x];
    case 'bin': return [a.l, a.r];
    case 'cond': return [a.c, a.t, a.f];
    default: return [];
  }
}

type Env = Record<string, unknown>;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new CelError(`${what} needs a bool, got ${JSON.stringify(v)}`);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new CelError(`${what} needs a string, got ${JSON.stringify(v)}`);
  return v;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new CelError(`${what} needs a number, got ${JSON.stringify(v)}`);
  return v;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) throw new CelError(`no such overload: ${typeof a} == ${typeof b}`);
  return JSON.stringify(a) === JSON.stringify(b);
}

function binary(op: string, l: unknown, r: unknown): unknown {
  switch (op) {
    case '==': return equal(l, r);
    case '!=': return !equal(l, r);
    case '<': return num(l, op) < num(r, op);
    case '<=': return num(l, op) <= num(r, op);
    case '>': return num(l, op) > num(r, op);
    case '>=': return num(l, op) >= num(r, op);
    case 'in':
      if (Array.isArray(r)) return r.some((x) => typeof x === typeof l && equal(x, l));
      if (isMap(r)) return str(l, 'in') in r;
      throw new CelError('in needs a list or map');
    case '+':
      if (typeof l === 'string') return l + str(r, '+');
      if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
      return num(l, '+') + num(r, '+');
    case '-': return num(l, op) - num(r, op);
    case '*': return num(l, op) * num(r, op);
    case '/': return Math.trunc(num(l, op) / num(r, op));
    case '%': return num(l, op) % num(r, op);
    default: throw new CelError(`operator ${op}`);
  }
}

function callFn(fn: string, target: unknown, args: unknown[]): unknown {
  const [a] = args;
  switch (fn) {
    case 'size': {
      const v = target === undefined ? a : target;
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isMap(v)) return Object.keys(v).length;
      throw new CelError('size() of a non-collection');
    }
    case 'contains': return str(target, fn).includes(str(a, fn));
    case 'startsWith': return str(target, fn).startsWith(str(a, fn));
    case 'endsWith': return str(target, fn).endsWith(str(a, fn));
    case 'matches': return new RegExp(str(a, fn)).test(str(target, fn));
    default: throw new CelError(`function ${fn}`);
  }
}

export function evaluate(ast: Ast, env: Env): unknown {
  switch (ast.k) {
    case 'lit': return ast.v;
    case 'list': return ast.items.map((x) => evaluate(x, env));
    case 'ident':
      if (!(ast.name in env)) throw new CelError(`undeclared reference to ${ast.name}`);
      return env[ast.name];
    case 'select': {
      const o = evaluate(ast.obj, env);
      if (!isMap(o) || !(ast.field in o)) throw new CelError(`no such key: ${ast.field}`);
      return o[ast.field];
    }
    case 'index': {
      const o = evaluate(ast.obj, env);
      const i = evaluate(ast.idx, env);
      if (Array.isArray(o) && typeof i === 'number' && i >= 0 && i < o.length) return o[i];
      if (isMap(o) && typeof i === 'string' && i in o) return o[i];
      throw new CelError(`index ${JSON.stringify(i)} out of range`);
    }
    case 'unary': {
      const x = evaluate(ast.x, env);
      return ast.op === '!' ? !bool(x, '!') : -num(x, '-');
    }
    case 'bin': {
      if (ast.op === '||') return bool(evaluate(ast.l, env), '||') || bool(evaluate(ast.r, env), '||');
      if (ast.op === '&&') return bool(evaluate(ast.l, env), '&&') && bool(evaluate(ast.r, env), '&&');
      return binary(ast.op, evaluate(ast.l, env), evaluate(ast.r, env));
    }
    case 'cond': return bool(evaluate(ast.c, env), '?:') ? evaluate(ast.t, env) : evaluate(ast.f, env);
    case 'call': {
      if (ast.fn === 'has') {
        const sel = ast.args[0] as Extract<Ast, { k: 'select' }>;
        const o = evaluate(sel.obj, env);
        return isMap(o) && sel.field in o;
      }
      if (MACROS.has(ast.fn)) {
        const list = evaluate(ast.target!, env);
        if (!Array.isArray(list)) throw new CelError(`${ast.fn} on a non-list`);
        const name = (ast.args[0] as { name: string }).name;
        const hits = list.filter((item) => bool(evaluate(ast.args[1]!, { ...env, [name]: item }), ast.fn)).length;
        return ast.fn === 'all' ? hits === list.length : ast.fn === 'exists' ? hits > 0 : hits === 1;
      }
      const target = ast.target === undefined ? undefined : evaluate(ast.target, env);
      return callFn(ast.fn, target, ast.args.map((x) => evaluate(x, env)));
    }
  }
}
