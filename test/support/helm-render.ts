// SPDX-License-Identifier: Apache-2.0
/**
 * A renderer for exactly the Go-template features charts/vcrypto uses (there is no helm binary
 * on these machines): `{{ .Values.x.y }}`, `.Release.Name/Namespace`, `.Chart.*`, `toYaml X`,
 * `.Files.Get "path"`, pipes into `nindent N` / `indent N`, `if X` … `end`, `{{- -}}` trimming and
 * raw-string actions (`{{` + "`{{ $value }}`" + `}}`). Anything else is an error, so a template
 * that starts using a new feature fails the chart test instead of rendering wrongly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';

export interface RenderContext {
  readonly Values: unknown;
  readonly Release: { Name: string; Namespace: string };
  readonly Chart: Record<string, unknown>;
  readonly chartDir: string;
}

function lookup(ctx: RenderContext, path: string): unknown {
  const parts = path.split('.').filter((p) => p.length > 0);
  let v: unknown = ctx;
  for (const p of parts) {
    if (v === null || typeof v !== 'object' || !(p in v)) throw new Error(`template refers to missing value .${parts.join('.')}`);
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function evalPipeline(ctx: RenderContext, expr: string): unknown {
  const stages = expr.split('|').map((s) => s.trim());
  let value: unknown;
  for (const [i, stage] of stages.entries()) {
    const words = stage.match(/"[^"]*"|\S+/g) ?? [];
    const [fn, ...args] = words;
    if (i === 0) {
      if (fn === 'toYaml') value = stringify(lookup(ctx, args[0]!)).trimEnd();
      else if (fn === '.Files.Get') value = readFileSync(join(ctx.chartDir, JSON.parse(args[0]!) as string), 'utf8').trimEnd();
      else if (fn?.startsWith('.') && args.length === 0) value = lookup(ctx, fn);
      else throw new Error(`unsupported template expression: ${stage}`);
      continue;
    }
    const n = Number(args[0]);
    const text = typeof value === 'string' ? value : String(value);
    const pad = ' '.repeat(n);
    if (fn === 'nindent') value = '\n' + text.split('\n').map((l) => pad + l).join('\n');
    else if (fn === 'indent') value = text.split('\n').map((l) => pad + l).join('\n');
    else throw new Error(`unsupported template function: ${fn}`);
  }
  return value;
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

export function renderTemplate(src: string, ctx: RenderContext): string {
  const out: string[] = [];
  const stack: boolean[] = [];
  const active = (): boolean => stack.every(Boolean);
  let rest = src;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      if (active()) out.push(rest);
      break;
    }
    let text = rest.slice(0, open);
    let inner: string;
    let close: number;
    if (rest.startsWith('{{`', open)) {
      close = rest.indexOf('`}}', open);
      if (close < 0) throw new Error('unterminated raw string action');
      if (active()) out.push(text, rest.slice(open + 3, close));
      rest = rest.slice(close + 3);
      continue;
    }
    close = rest.indexOf('}}', open);
    if (close < 0) throw new Error('unterminated action');
    inner = rest.slice(open + 2, close);
    let after = rest.slice(close + 2);
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (inner.endsWith('-')) {
      inner = inner.slice(0, -1);
      after = after.replace(/^\s+/, '');
    }
    inner = inner.trim();
    if (active()) out.push(text);
    if (inner.startsWith('if ')) stack.push(active() && truthy(evalPipeline(ctx, inner.slice(3))));
    else if (inner === 'end') {
      if (stack.pop() === undefined) throw new Error('end without if');
    } else if (active()) out.push(String(evalPipeline(ctx, inner)));
    rest = after;
  }
  if (stack.length > 0) throw new Error('if without end');
  return out.join('');
}

export interface RenderedObject {
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  readonly [k: string]: unknown;
}

/** Renders every template of a chart with its values.yaml (or `values`) into Kubernetes objects. */
export function renderChart(chartDir: string, values?: unknown, release = { Name: 'vc', Namespace: 'vcrypto-system' }): RenderedObject[] {
  const ctx: RenderContext = {
    Values: values ?? parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')),
    Release: release,
    Chart: parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>,
    chartDir,
  };
  return readdirSync(join(chartDir, 'templates'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(renderTemplate(readFileSync(join(chartDir, 'templates', f), 'utf8'), ctx)).map((d) => {
        if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`);
        return d.toJS() as RenderedObject | null;
      }),
    )
    .filter((o): o is RenderedObject => o !== null);
}
