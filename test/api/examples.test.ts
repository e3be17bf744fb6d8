// SPDX-License-Identifier: Apache-2.0
/**
 * Every VirtioCryptoDevice in examples/ is one the API accepts: pkg/api's parseDevice and
 * parseDeviceSpec take it, and the CRD's defaults and CEL rules pass it, so what a person copies
 * from the docs applies cleanly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEVICE_KIND, KINDS, openApiSchemaOf, parseDevice, parseDeviceSpec, resourceNameFor } from '../../pkg/api/index.js';
import { applyDefaults, failedRules } from '../support/crd-schema.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const docs = readdirSync(EXAMPLES)
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((f) => parseAllDocuments(readFileSync(join(EXAMPLES, f), 'utf8')).map((d, i) => ({ where: `${f}#${i}`, doc: d.toJS() as { kind?: string; spec?: unknown } | null })))
  .filter((d) => d.doc?.kind === DEVICE_KIND);

describe('examples/', () => {
  it('holds at least one VirtioCryptoDevice', () => {
    expect(docs.length).toBeGreaterThan(0);
  });

  it.each(docs.map((d) => [d.where, d.doc] as const))('%s is a valid VirtioCryptoDevice', (_, doc) => {
    const device = parseDevice(doc);
    expect(parseDeviceSpec(doc?.spec)).toEqual(device.spec);
    expect(resourceNameFor(device.metadata.name ?? '', device.spec)).toMatch(/^[a-z0-9.-]+\/[A-Za-z0-9_.-]+$/);
    const schema = openApiSchemaOf(KINDS.find((k) => k.kind === DEVICE_KIND)!);
    expect(failedRules(schema, applyDefaults(schema, doc))).toEqual([]);
  });
});
