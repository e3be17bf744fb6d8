// SPDX-License-Identifier: Apache-2.0
/**
 * FAKE Kubernetes API server for tests (there is no kube-apiserver on these machines).
 * - resources.ts: the kinds it serves and the stored object shape
 * - selectors.ts: label and field selectors
 * - patch.ts: merge, JSON and (reduced) strategic merge patch
 * - store.ts: resourceVersion, history, generation, status split, conflicts, garbage collection
 * - server.ts: HTTP routing, discovery, watch streams, request log, faults, stop/start
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, KubeConnection } from '../../../pkg/k8s/index.js';
import type { FakeApiServer } from './server.js';

export { FakeApiServer, type FakeApiServerOptions, type FakeFault, type FakeRequestRecord } from './server.js';
export { FakeApiError, FakeStore, type FakeEvent } from './store.js';
export { CORE_FAKE_RESOURCES, apiVersionOf, qualifiedName, type FakeObject, type FakeResource } from './resources.js';

/** Writes a kubeconfig for `user` (its bearer token is the user name the request log shows). */
export function writeFakeKubeconfig(server: FakeApiServer, path: string, user: string): string {
  const text = JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'fake',
    clusters: [{ name: 'fake', cluster: { server: server.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token: user } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user } }],
  });
  writeFileSync(path, text);
  return path;
}

/**
 * A client of the fake acting as `user`, loaded from a kubeconfig in a temp folder that is gone
 * before this returns: KubeConnection.load reads the file synchronously (client-node's
 * loadFromFile) and the file names no other file (inline token, no CA or client certificate), so
 * nothing reads it later. Should that change, the tests using this fail at their first request.
 */
export function fakeClient(server: FakeApiServer, user: string): KubeClient {
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-kubeconfig-'));
  try {
    return new KubeClient(KubeConnection.load(writeFakeKubeconfig(server, join(dir, 'kubeconfig'), user)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
