// SPDX-License-Identifier: Apache-2.0
/**
 * FAKE API server (tests only): the object store behind the fake. One global resourceVersion
 * counter (as etcd's revision), an event history that watches replay from (compactable, so an
 * old resourceVersion gets 410 Gone), metadata.generation bumped on spec changes only, the status
 * subresource split, optimistic concurrency (409 on a stale resourceVersion), and background
 * owner-reference garbage collection. Knows nothing of HTTP.
 */
import { randomUUID } from 'node:crypto';
import { compileFieldSelector, compileLabelSelector } from './selectors.js';
import { apiVersionOf, type FakeObject, type FakeResource } from './resources.js';

export type FakeReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone' | 'BadRequest' | 'Invalid' | 'MethodNotAllowed' | 'UnsupportedMediaType' | 'InternalError' | 'ServiceUnavailable';

/** An API error the HTTP layer turns into a metav1.Status. */
export class FakeApiError extends Error {
  constructor(readonly code: number, readonly reason: FakeReason, message: string) {
    super(message);
    this.name = 'FakeApiError';
  }
}

export type FakeEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface FakeEvent {
  readonly rv: number;
  readonly type: FakeEventType;
  readonly resource: FakeResource;
  readonly object: FakeObject;
  /** For MODIFIED: the object before, so a filtered watch can tell it entered or left its selection. */
  readonly previous?: FakeObject;
}

export interface ListOptions {
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | null;
  readonly fieldSelector?: string | null;
}

const clone = <T>(v: T): T => structuredClone(v);
const keyOf = (r: FakeResource, ns: string | undefined, name: string): string => `${r.plural}.${r.group}/${ns ?? ''}/${name}`;

/** Everything but metadata and status: what a change to bumps generation. */
function specPart(o: FakeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return JSON.stringify(rest);
}

export class FakeStore {
  private rv = 0;
  private compactedRv = 0;
  private readonly objects = new Map<string, { resource: FakeResource; object: FakeObject }>();
  private readonly history: FakeEvent[] = [];
  private readonly listeners = new Set<(e: FakeEvent) => void>();
  /** Called before a create or update is stored; throw a FakeApiError (422 Invalid) to refuse. */
  admit: (resource: FakeResource, obj: FakeObject) => void = () => undefined;

  get resourceVersion(): string {
    return String(this.rv);
  }

  subscribe(fn: (e: FakeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Forgets the event history: watches from any earlier resourceVersion get 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  get(r: FakeResource, ns: string | undefined, name: string): FakeObject {
    const found = this.objects.get(keyOf(r, ns, name));
    if (found === undefined) throw new FakeApiError(404, 'NotFound', `${r.plural}.${r.group} "${name}" not found`);
    return clone(found.object);
  }

  list(r: FakeResource, opts: ListOptions = {}): FakeObject[] {
    const matches = this.matcher(r, opts);
    return [...this.objects.values()].filter((e) => matches(e.resource, e.object)).map((e) => clone(e.object)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  }

  matcher(r: FakeResource, opts: ListOptions): (res: FakeResource, o: FakeObject) => boolean {
    let labels: (o: FakeObject) => boolean;
    let fields: (o: FakeObject) => boolean;
    try {
      labels = compileLabelSelector(opts.labelSelector ?? null);
      fields = compileFieldSelector(opts.fieldSelector ?? null);
    } catch (e: unknown) {
      throw new FakeApiError(400, 'BadRequest', e instanceof Error ? e.message : String(e));
    }
    return (res, o) => res === r && (opts.namespace === undefined || o.metadata.namespace === opts.namespace) && labels(o) && fields(o);
  }

  /** Events after `sinceRv` for replay; 410 Gone when they were compacted away. */
  eventsSince(sinceRv: number): FakeEvent[] {
    if (sinceRv < this.compactedRv) throw new FakeApiError(410, 'Gone', `too old resource version: ${sinceRv} (${this.compactedRv})`);
    return this.history.filter((e) => e.rv > sinceRv);
  }

  create(r: FakeResource, ns: string | undefined, body: FakeObject): FakeObject {
    const name = body.metadata?.name;
    if (typeof name !== 'string' || name === '') throw new FakeApiError(422, 'Invalid', 'metadata.name: Required value');
    if (this.objects.has(keyOf(r, ns, name))) throw new FakeApiError(409, 'AlreadyExists', `${r.plural}.${r.group} "${name}" already exists`);
    const obj = clone(body);
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    if (r.namespaced && ns !== undefined) obj.metadata.namespace = ns;
    else delete obj.metadata.namespace;
    if (r.status) delete obj['status'];
    obj.metadata.uid = randomUUID();
    obj.metadata.generation = 1;
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.admit(r, obj);
    return this.commit(r, ns, obj, 'ADDED');
  }

  /**
   * PUT semantics. `subresource === 'status'` takes only status from the body; otherwise status
   * is kept from the stored object when the kind has a status subresource.
   */
  update(r: FakeResource, ns: string | undefined, name: string, body: FakeObject, subresource?: 'status'): FakeObject {
    const current = this.get(r, ns, name);
    const rv = body.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) {
      throw new FakeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${r.plural}.${r.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    let next: FakeObject;
    if (subresource === 'status') {
      next = clone(current);
      if (body['status'] === undefined) delete next['status'];
      else next['status'] = clone(body['status']);
    } else {
      next = clone(body);
      next.metadata = { ...clone(body.metadata), name, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, generation: current.metadata.generation } as FakeObject['metadata'];
      if (r.status) {
        if (current['status'] === undefined) delete next['status'];
        else next['status'] = clone(current['status']);
      }
      if (specPart(next) !== specPart(current)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    next.apiVersion = apiVersionOf(r);
    next.kind = r.kind;
    if (r.namespaced && ns !== undefined) next.metadata.namespace = ns;
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    this.admit(r, next);
    return this.commit(r, ns, next, 'MODIFIED', current);
  }

  delete(r: FakeResource, ns: string | undefined, name: string): FakeObject {
    const current = this.get(r, ns, name);
    this.objects.delete(keyOf(r, ns, name));
    this.rv++;
    current.metadata.resourceVersion = String(this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', resource: r, object: current });
    setImmediate(() => this.collectGarbage());
    return clone(current);
  }

  /** Background garbage collection: deletes objects whose every owner is gone. */
  collectGarbage(): void {
    const uids = new Set([...this.objects.values()].map((e) => e.object.metadata.uid));
    for (const e of [...this.objects.values()]) {
      const owners = e.object.metadata.ownerReferences ?? [];
      if (owners.length > 0 && owners.every((o) => !uids.has(o.uid))) {
        this.delete(e.resource, e.object.metadata.namespace, e.object.metadata.name);
      }
    }
  }

  private commit(r: FakeResource, ns: string | undefined, obj: FakeObject, type: FakeEventType, previous?: FakeObject): FakeObject {
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    this.objects.set(keyOf(r, ns, obj.metadata.name), { resource: r, object: obj });
    this.emit({ rv: this.rv, type, resource: r, object: clone(obj), ...(previous !== undefined ? { previous } : {}) });
    // The garbage collector also deletes a dependent written after its owner was deleted.
    if ((obj.metadata.ownerReferences ?? []).length > 0) setImmediate(() => this.collectGarbage());
    return clone(obj);
  }

  private emit(e: FakeEvent): void {
    this.history.push(e);
    for (const fn of this.listeners) fn(e);
  }
}
