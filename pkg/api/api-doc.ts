// SPDX-License-Identifier: Apache-2.0
/**
 * Writes docs/api.md from the CRDs' structural schemas: per kind, every field with its type,
 * default, allowed values and description, the CEL rules, the printer columns, then the error
 * catalog. Generated with the CRDs by `npm run gen:crds` and checked for staleness by the same
 * test. Pure: returns text. Knows nothing of files.
 */
import { GENERATED_HEADER, KINDS, openApiSchemaOf, type KindDefinition } from './crd.js';
import { API_ERROR_CODES } from './errors.js';
import { API_VERSION } from './names.js';
import type { JsonSchema } from './structural.js';

interface Row {
  readonly path: string;
  readonly type: string;
  readonly def: string;
  readonly allowed: string;
  readonly description: string;
}

interface RuleRow {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/** Markdown table cells: no pipes, newlines or bare angle brackets (they would read as HTML). */
function cell(text: string): string {
  const escaped = text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  // Outside `code` spans only: inside them the brackets show as written.
  return escaped.split('`').map((part, i) => (i % 2 === 0 ? part.replaceAll('<', '&lt;').replaceAll('>', '&gt;') : part)).join('`');
}

function code(v: unknown): string {
  return `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;
}

function typeOf(node: JsonSchema): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'quantity (integer or string)';
  const t = String(node['type']);
  if (t === 'array') return `list of ${typeOf(node['items'] as JsonSchema)}`;
  if (t === 'object' && node['additionalProperties'] !== undefined) return `map of string to ${typeOf(node['additionalProperties'] as JsonSchema)}`;
  return node['format'] === 'date-time' ? 'string (RFC 3339 time)' : t;
}

function allowedOf(node: JsonSchema): string {
  const parts: string[] = [];
  if (Array.isArray(node['enum'])) parts.push(node['enum'].map(code).join(', '));
  const bound = (lo: string, hi: string, unit: string): void => {
    const min = node[lo];
    const max = node[hi];
    if (min !== undefined && max !== undefined) parts.push(`${String(min)}–${String(max)}${unit}`);
    else if (min === 1 && unit !== '') parts.push('not empty');
    else if (min !== undefined) parts.push(`≥ ${String(min)}${unit}`);
    else if (max !== undefined) parts.push(`≤ ${String(max)}${unit}`);
  };
  bound('minimum', 'maximum', '');
  bound('minLength', 'maxLength', ' chars');
  bound('minItems', 'maxItems', ' items');
  if (node['pattern'] !== undefined) parts.push(`matches ${code(node['pattern'])}`);
  if (node['x-kubernetes-list-type'] === 'set') parts.push('unique entries');
  if (node['x-kubernetes-list-type'] === 'map') parts.push(`one entry per ${(node['x-kubernetes-list-map-keys'] as string[]).join(', ')}`);
  return parts.join('; ');
}

function walk(node: JsonSchema, path: string, required: boolean, rows: Row[], rules: RuleRow[]): void {
  if (path !== '') {
    const def = node['default'] !== undefined ? code(node['default']) : required ? 'required' : '';
    rows.push({ path, type: typeOf(node), def, allowed: allowedOf(node), description: String(node['description'] ?? '') });
  }
  for (const r of (node['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? []) {
    rules.push({ path: path === '' ? '(object)' : path, rule: r.rule, message: r.message });
  }
  const req = new Set((node['required'] as string[] | undefined) ?? []);
  for (const [name, child] of Object.entries((node['properties'] as Record<string, JsonSchema> | undefined) ?? {})) {
    walk(child, path === '' ? name : `${path}.${name}`, req.has(name), rows, rules);
  }
  const items = node['items'] as JsonSchema | undefined;
  if (items?.['type'] === 'object') walkChildren(items, `${path}[]`, rows, rules);
  const values = node['additionalProperties'] as JsonSchema | undefined;
  if (values?.['type'] === 'object') walkChildren(values, `${path}.<name>`, rows, rules);
}

/** The fields of a list item or map value, without a row for the item itself. */
function walkChildren(node: JsonSchema, path: string, rows: Row[], rules: RuleRow[]): void {
  const req = new Set((node['required'] as string[] | undefined) ?? []);
  for (const r of (node['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? []) rules.push({ path, rule: r.rule, message: r.message });
  for (const [name, child] of Object.entries((node['properties'] as Record<string, JsonSchema> | undefined) ?? {})) {
    walk(child, `${path}.${name}`, req.has(name), rows, rules);
  }
}

function kindSection(def: KindDefinition): string[] {
  const schema = openApiSchemaOf(def);
  const rows: Row[] = [];
  const rules: RuleRow[] = [];
  walk(schema, '', true, rows, rules);
  const fields = rows.filter((r) => r.path === 'spec' || r.path === 'status' || r.path.startsWith('spec.') || r.path.startsWith('status.'));
  return [
    `## ${def.kind}`,
    '',
    `${String(schema['description'])} Cluster scoped; plural \`${def.plural}\`${def.shortNames.length > 0 ? `, short name${def.shortNames.length > 1 ? 's' : ''} ${def.shortNames.map(code).join(', ')}` : ''}; \`kubectl get vcrypto\` lists both kinds.`,
    '',
    '| field | type | default | allowed | description |',
    '|---|---|---|---|---|',
    ...fields.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.def)} | ${cell(r.allowed)} | ${cell(r.description)} |`),
    '',
    '### Rules across fields (CEL run by the API server; the same checks run in zod, e.g. `parseDeviceSpec`)',
    '',
    '| on | message | rule |',
    '|---|---|---|',
    ...rules.map((r) => `| \`${r.path}\` | ${cell(r.message)} | ${cell(code(r.rule))} |`),
    '',
    '### Columns of `kubectl get`',
    '',
    '| column | from | shown |',
    '|---|---|---|',
    ...def.printerColumns.map((c) => `| ${c.name} | \`${c.jsonPath}\` | ${c.priority === undefined ? 'always' : 'with `-o wide`'} |`),
    '',
  ];
}

export function apiDocMarkdown(): string {
  return [
    `# The ${API_VERSION} API`,
    '',
    `<!-- ${GENERATED_HEADER} -->`,
    '',
    'Two cluster-scoped kinds. A person writes a **VirtioCryptoDevice** (a pool of devices on the nodes it selects);',
    'the operator runs a node agent on each of those nodes; each agent writes one **VirtioCryptoNodeState** per pool,',
    'named `<pool>-<node>` and labelled `vcrypto.dev/pool` and `vcrypto.dev/node`, which the operator sums up in the',
    'VirtioCryptoDevice status. A spec field left out takes its default; a bad value is refused with a message naming',
    'the field and what is allowed, by the API server (from the CRD) and by the agent (from the same zod schema).',
    'An example: [examples/virtiocryptodevice.yaml](../examples/virtiocryptodevice.yaml).',
    '',
    ...KINDS.flatMap(kindSection),
    '## Changing the API',
    '',
    'Edit the zod schemas in `pkg/api` (`device.ts`, `node-state.ts`): every field needs a `.describe()`, a default',
    'where one makes sense, and bounds; a rule across fields goes through `withCelRules` (`rules.ts`) with its CEL text',
    'and the same check in TypeScript. Then run `npm run gen:crds`, which rewrites `crds/`, `charts/vcrypto/crds/`',
    'and this file; `test/api/crds.test.ts` fails while any of them is stale, when a schema is not structural, when a',
    'CEL rule reads a field that does not exist, or when the CRD and zod disagree on sample objects.',
    '',
    '## Errors',
    '',
    '| code | meaning | what to do |',
    '|---|---|---|',
    `| \`${API_ERROR_CODES.INVALID}\` | An object or spec fails the schema; the message names each bad field and what is allowed there. | Fix the named fields (see the tables above). |`,
    '',
  ].join('\n');
}
