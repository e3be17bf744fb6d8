// SPDX-License-Identifier: Apache-2.0
/**
 * A watch-backed cache of one resource (client-node's ListWatch) that never gives up: the
 * library relists on 410 Gone and reconnects after a client timeout, but stops on any other
 * error (the API server going away, a refused connection). Here every such stop restarts with a
 * doubling pause, so a watch survives an API server restart. Knows no kind and no controller.
 */
import { ListWatch, Watch, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { resourcePath, type KubeObject, type ResourceRef } from './resource.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** First pause before restarting a failed watch; doubles up to maxBackoffMs. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onError?: (err: unknown) => void;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly lw: ListWatch<KubernetesObject>;
  private readonly handlers: ((type: InformerEvent, obj: T) => void)[] = [];
  private stopped = true;
  private synced = false;
  private backoff: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(client: KubeClient, readonly resource: ResourceRef, private readonly options: InformerOptions = {}) {
    this.backoff = options.backoffMs ?? 200;
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const opts = { ...(options.namespace !== undefined ? { namespace: options.namespace } : {}), ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}) };
      const res = await client.list<T>(resource, opts);
      this.synced = true;
      this.backoff = options.backoffMs ?? 200;
      return { metadata: { resourceVersion: res.resourceVersion }, items: res.items as unknown as KubernetesObject[] };
    };
    const watch = new Watch(client.connection.config);
    this.lw = new ListWatch(resourcePath(resource, options.namespace), watch, listFn, false, options.labelSelector);
    for (const type of ['add', 'update', 'delete'] as const) {
      this.lw.on(type, (obj) => {
        for (const h of this.handlers) h(type, obj as unknown as T);
      });
    }
    this.lw.on('error', (err) => this.restartLater(err));
  }

  on(handler: (type: InformerEvent, obj: T) => void): void {
    this.handlers.push(handler);
  }

  /** True once the first list has been delivered. */
  get hasSynced(): boolean {
    return this.synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace) as unknown as T | undefined;
  }

  list(): T[] {
    return this.lw.list() as unknown as T[];
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.lw.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.lw.stop();
  }

  private restartLater(err: unknown): void {
    this.options.onError?.(err);
    if (this.stopped || this.timer !== undefined) return;
    const pause = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 5000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.lw.start().catch((e: unknown) => this.restartLater(e));
    }, pause);
  }
}
