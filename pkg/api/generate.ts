// SPDX-License-Identifier: Apache-2.0
/**
 * Every file generated from pkg/api's schemas, as repository-relative path and text: the CRDs
 * in crds/ and in the chart's crds/, and docs/api.md. cmd/gen-crds writes them; a test
 * compares them with what is committed. Pure; knows nothing of the file system.
 */
import { apiDocMarkdown } from './api-doc.js';
import { crdFileName, crdYaml, KINDS } from './crd.js';

export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** The folders that hold the CRDs: the top-level one and the Helm chart's. */
export const CRD_DIRS = ['crds', 'charts/vcrypto/crds'] as const;
export const API_DOC_PATH = 'docs/api.md';
export const GENERATE_COMMAND = 'npm run gen:crds';

export function generatedFiles(): GeneratedFile[] {
  const crds = KINDS.map((def) => ({ name: crdFileName(def), content: crdYaml(def) }));
  return [
    ...CRD_DIRS.flatMap((dir) => crds.map((c) => ({ path: `${dir}/${c.name}`, content: c.content }))),
    { path: API_DOC_PATH, content: apiDocMarkdown() },
  ];
}
