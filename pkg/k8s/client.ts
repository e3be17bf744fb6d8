// SPDX-License-Identifier: Apache-2.0
/**
 * The Kubernetes client wrapper: the only place that imports @kubernetes/client-node (with
 * informer.ts). Loads a kubeconfig or the in-cluster config, and speaks plain-JSON REST for the
 * verbs the operator and agent use (get, list, create, update, update status, patch, delete)
 * through client-node's authentication and HTTP stack. Knows no kind beyond ResourceRef.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { K8sApiError } from './errors.js';
import { resourcePath, type KubeObject, type ResourceRef } from './resource.js';

export type PatchType = 'merge' | 'json' | 'strategic';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface ListResult<T extends KubeObject = KubeObject> {
  readonly items: T[];
  readonly resourceVersion: string;
}

/** A loaded cluster connection: the kubeconfig, opaque to callers outside pkg/k8s. */
export class KubeConnection {
  private constructor(readonly config: KubeConfig) {}

  /** From a kubeconfig file, or the in-cluster service account when `path` is undefined. */
  static load(path?: string): KubeConnection {
    const kc = new KubeConfig();
    if (path !== undefined) kc.loadFromFile(path);
    else kc.loadFromCluster();
    if (kc.getCurrentCluster() === null) throw new K8sApiError(0, 'NoCluster', `no current cluster in ${path ?? 'the in-cluster config'}`);
    return new KubeConnection(kc);
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '';
  }
}

export class KubeClient {
  private readonly http = new IsomorphicFetchHttpLibrary();

  constructor(readonly connection: KubeConnection) {}

  get<T extends KubeObject>(r: ResourceRef, name: string, namespace?: string): Promise<T> {
    return this.request('GET', resourcePath(r, namespace, name)) as Promise<T>;
  }

  async list<T extends KubeObject>(r: ResourceRef, opts: { namespace?: string; labelSelector?: string } = {}): Promise<ListResult<T>> {
    const query: Record<string, string> = opts.labelSelector !== undefined ? { labelSelector: opts.labelSelector } : {};
    const body = (await this.request('GET', resourcePath(r, opts.namespace), undefined, undefined, query)) as { items?: T[]; metadata?: { resourceVersion?: string } };
    return { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  create<T extends KubeObject>(r: ResourceRef, obj: T): Promise<T> {
    return this.request('POST', resourcePath(r, obj.metadata.namespace), obj) as Promise<T>;
  }

  /** PUT; a stale metadata.resourceVersion gives a Conflict error. */
  update<T extends KubeObject>(r: ResourceRef, obj: T): Promise<T> {
    return this.request('PUT', resourcePath(r, obj.metadata.namespace, obj.metadata.name), obj) as Promise<T>;
  }

  /** PUT to the status subresource: only status changes. */
  updateStatus<T extends KubeObject>(r: ResourceRef, obj: T): Promise<T> {
    return this.request('PUT', resourcePath(r, obj.metadata.namespace, obj.metadata.name, 'status'), obj) as Promise<T>;
  }

  patch<T extends KubeObject>(r: ResourceRef, name: string, patch: unknown, type: PatchType, namespace?: string): Promise<T> {
    return this.request('PATCH', resourcePath(r, namespace, name), patch, PATCH_CONTENT_TYPE[type]) as Promise<T>;
  }

  async delete(r: ResourceRef, name: string, namespace?: string): Promise<void> {
    await this.request('DELETE', resourcePath(r, namespace, name));
  }

  private async request(method: keyof typeof HttpMethod, path: string, body?: unknown, contentType = 'application/json', query: Record<string, string> = {}): Promise<unknown> {
    const url = new URL(this.connection.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const ctx = new RequestContext(url.toString(), HttpMethod[method]);
    ctx.setHeaderParam('Accept', 'application/json');
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType);
      ctx.setBody(JSON.stringify(body));
    }
    let text: string;
    let status: number;
    try {
      await this.connection.config.applySecurityAuthentication(ctx);
      const res = await this.http.send(ctx).toPromise();
      status = res.httpStatusCode;
      text = await res.body.text();
    } catch (e: unknown) {
      throw new K8sApiError(0, 'Unreachable', `${method} ${path}: the API server did not answer`, { cause: e });
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch (e: unknown) {
      throw new K8sApiError(status, 'BadResponse', `${method} ${path}: the answer is not JSON (HTTP ${status})`, { cause: e });
    }
    if (status >= 400) {
      const s = parsed as { reason?: string; message?: string };
      throw new K8sApiError(status, s.reason ?? 'Unknown', `${method} ${path}: ${s.message ?? `HTTP ${status}`}`);
    }
    return parsed;
  }
}
