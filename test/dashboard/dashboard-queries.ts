// SPDX-License-Identifier: Apache-2.0
/**
 * Reads a Grafana dashboard (JSON, as shipped in the chart's ConfigMap) into what a test can run
 * against Prometheus: every panel's PromQL target (rows and their nested panels included) and
 * every query variable, with Grafana's template variables replaced by values the test chooses.
 * A variable the test gives no value for is an error, so a dashboard that grows a variable makes
 * the test say so. Knows nothing of Prometheus's API.
 */
import { z } from 'zod';

const TargetSchema = z.object({ refId: z.string(), expr: z.string().min(1) }).loose();

interface Panel {
  id?: number | undefined;
  title: string;
  type: string;
  targets?: z.infer<typeof TargetSchema>[] | undefined;
  panels?: Panel[] | undefined;
}

const PanelSchema: z.ZodType<Panel> = z.lazy(() =>
  z.object({
    id: z.number().optional(),
    title: z.string(),
    type: z.string(),
    targets: z.array(TargetSchema).optional(),
    panels: z.array(PanelSchema).optional(),
  }).loose(),
);

const VariableSchema = z.object({
  name: z.string().regex(/^\w+$/),
  type: z.string(),
  query: z.union([z.string(), z.object({ query: z.string() }).loose()]).optional(),
  definition: z.string().optional(),
}).loose();

const DashboardSchema = z.object({
  title: z.string(),
  panels: z.array(PanelSchema),
  templating: z.object({ list: z.array(VariableSchema) }).loose().default({ list: [] }),
}).loose();

export type Dashboard = z.infer<typeof DashboardSchema>;

export function parseDashboard(json: string): Dashboard {
  return DashboardSchema.parse(JSON.parse(json));
}

export interface PanelQuery {
  /** "<panel title> [<refId>]", for failure messages. */
  readonly name: string;
  readonly panelType: string;
  readonly expr: string;
}

/** Every PromQL target of every panel, rows' nested panels included. */
export function panelQueries(d: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  const walk = (panels: readonly Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) out.push({ name: `${p.title} [${t.refId}]`, panelType: p.type, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  return out;
}

/** `label_values(<selector>, <label>)` query variables, parsed. */
export function labelValueVariables(d: Dashboard): { name: string; selector: string; label: string }[] {
  return d.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q.trim());
      if (m === null) throw new Error(`variable $${v.name}: only label_values(selector, label) queries are supported, got ${JSON.stringify(q)}`);
      return { name: v.name, selector: m[1]!.trim(), label: m[2]! };
    });
}

/** Replaces $name, ${name}, ${name:fmt} and [[name]]; throws on a variable without a value. */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const v = values[name];
    if (v === undefined) throw new Error(`no value for the template variable ${whole} in ${expr}`);
    return v;
  });
}
