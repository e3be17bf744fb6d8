// SPDX-License-Identifier: Apache-2.0
/**
 * Finds the compiled JavaScript of a worker thread's entry: beside the calling module when it
 * runs from dist/, else in dist/ when it runs from the TypeScript sources (vitest), since a
 * worker thread loads plain JavaScript only. Nothing else.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `name` (e.g. 'queue-worker.js') beside `callerUrl` (import.meta.url), or the same file under
 * dist/ for `dirFromRoot` (e.g. 'cmd/device'). Throws, naming both places, when neither exists.
 */
export function workerScript(callerUrl: string, dirFromRoot: string, name: string): URL {
  const beside = new URL(`./${name}`, callerUrl);
  if (existsSync(fileURLToPath(beside))) return beside;
  const depth = dirFromRoot.split('/').filter((p) => p !== '').length;
  const built = new URL(`${'../'.repeat(depth)}dist/${dirFromRoot}/${name}`, callerUrl);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`the worker script ${name} is not built (looked for ${fileURLToPath(beside)} and ${fileURLToPath(built)}); run 'npm run build'`);
}
