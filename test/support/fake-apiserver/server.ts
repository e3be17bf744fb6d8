// SPDX-License-Identifier: Apache-2.0
/**
 * FAKE Kubernetes API server (tests only) over real HTTP on 127.0.0.1, for
 * @kubernetes/client-node through a KubeConfig pointing at it. Owns routing, discovery, the
 * chunked watch stream (replay from a resourceVersion, 410 Gone, bookmarks), patch content
 * types, metav1.Status errors, a request log (who called which verb on which resource, for the
 * RBAC test), injected faults, and stop/start so tests can take it away mid-watch. Storage
 * rules live in store.ts. Not a conformant API server: no auth, no admission beyond `admit`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PATCH_TYPES, FakePatchError } from './patch.js';
import { apiVersionOf, CORE_FAKE_RESOURCES, qualifiedName, type FakeObject, type FakeResource } from './resources.js';
import { FakeApiError, FakeStore, type FakeEvent } from './store.js';

/** One request as RBAC sees it: verb, resource (with /status), namespace, name, and the caller. */
export interface FakeRequestRecord {
  readonly user: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly code: number;
}

export interface FakeFault {
  readonly verb: string;
  /** `plural` or `plural/status`. */
  readonly resource: string;
  readonly code: 404 | 409 | 500 | 503;
  /** Only requests of this user (bearer token); all users when unset. */
  readonly user?: string;
  times: number;
}

interface Route {
  resource: FakeResource;
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

export interface FakeApiServerOptions {
  readonly extraResources?: readonly FakeResource[];
  /** Interval of BOOKMARK events on watches that ask for them (allowWatchBookmarks=true). */
  readonly bookmarkIntervalMs?: number;
}

const REASON_BY_CODE: Record<number, string> = { 404: 'NotFound', 409: 'Conflict', 500: 'InternalError', 503: 'ServiceUnavailable' };

export class FakeApiServer {
  readonly store = new FakeStore();
  readonly requests: FakeRequestRecord[] = [];
  readonly resources: readonly FakeResource[];
  private readonly faults: FakeFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly bookmarkIntervalMs: number;
  private server: Server | undefined;
  private port = 0;

  constructor(options: FakeApiServerOptions = {}) {
    this.resources = [...CORE_FAKE_RESOURCES, ...(options.extraResources ?? [])];
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 5000;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  resource(kind: string): FakeResource {
    const r = this.resources.find((x) => x.kind === kind);
    if (r === undefined) throw new Error(`the fake API server does not serve kind ${kind}`);
    return r;
  }

  /** Starts listening (again, on the same port after stop()). */
  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection, watches included. The store is kept. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Makes the next `times` requests of `verb` on `resource` fail with `code`. */
  injectFault(fault: FakeFault): void {
    this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const user = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? 'anonymous';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (this.discovery(url.pathname, res)) return;
        const route = this.route(url.pathname);
        const verb = this.verbOf(req.method ?? 'GET', route, url);
        const record = (code: number): void => {
          this.requests.push({
            user, verb, group: route.resource.group, resource: route.resource.plural + (route.subresource !== undefined ? `/${route.subresource}` : ''), code,
            ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
            ...(route.name !== undefined ? { name: route.name } : {}),
          });
        };
        this.failIfFaulted(verb, route, user);
        if (verb === 'watch') {
          record(200);
          this.watch(route, url, res);
          return;
        }
        const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
        const { code, object } = this.serve(verb, route, url, body, req.headers['content-type'] ?? '');
        record(code);
        this.json(res, code, object);
      } catch (e: unknown) {
        const err = e instanceof FakeApiError ? e : e instanceof FakePatchError || e instanceof SyntaxError ? new FakeApiError(400, 'BadRequest', e.message) : new FakeApiError(500, 'InternalError', e instanceof Error ? e.message : String(e));
        try {
          const route = this.route(url.pathname);
          this.requests.push({ user, verb: this.verbOf(req.method ?? 'GET', route, url), group: route.resource.group, resource: route.resource.plural + (route.subresource !== undefined ? `/${route.subresource}` : ''), code: err.code, ...(route.namespace !== undefined ? { namespace: route.namespace } : {}), ...(route.name !== undefined ? { name: route.name } : {}) });
        } catch {
          // Not a resource path: nothing to log.
        }
        this.json(res, err.code, this.status(err));
      }
    });
  }

  private failIfFaulted(verb: string, route: Route, user: string): void {
    const res = route.resource.plural + (route.subresource !== undefined ? `/${route.subresource}` : '');
    const f = this.faults.find((x) => x.verb === verb && x.resource === res && x.times > 0 && (x.user === undefined || x.user === user));
    if (f === undefined) return;
    f.times--;
    throw new FakeApiError(f.code, (REASON_BY_CODE[f.code] ?? 'InternalError') as 'Conflict', `injected fault: ${verb} ${res}`);
  }

  private serve(verb: string, route: Route, url: URL, body: unknown, contentType: string): { code: number; object: unknown } {
    const { resource: r, namespace: ns, name } = route;
    const q = url.searchParams;
    switch (verb) {
      case 'get':
        return { code: 200, object: this.store.get(r, ns, name ?? '') };
      case 'list':
        return {
          code: 200,
          object: { apiVersion: apiVersionOf(r), kind: `${r.kind}List`, metadata: { resourceVersion: this.store.resourceVersion }, items: this.store.list(r, { namespace: ns, labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') }) },
        };
      case 'create':
        return { code: 201, object: this.store.create(r, ns, asObject(body)) };
      case 'update':
        return { code: 200, object: this.store.update(r, ns, name ?? '', asObject(body), route.subresource) };
      case 'patch': {
        const type = contentType.split(';')[0]?.trim() ?? '';
        const apply = PATCH_TYPES[type as keyof typeof PATCH_TYPES];
        if (apply === undefined) throw new FakeApiError(415, 'UnsupportedMediaType', `the fake API server does not accept patches of type ${type}`);
        const current = this.store.get(r, ns, name ?? '');
        const patched = asObject(apply(current, body));
        return { code: 200, object: this.store.update(r, ns, name ?? '', patched, route.subresource) };
      }
      case 'delete':
        return { code: 200, object: this.store.delete(r, ns, name ?? '') };
      default:
        throw new FakeApiError(405, 'MethodNotAllowed', `the fake API server does not support ${verb}`);
    }
  }

  private watch(route: Route, url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const matches = this.store.matcher(route.resource, { namespace: route.namespace, labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    const send = (type: string, object: unknown): void => {
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const since = q.get('resourceVersion');
    let replay: FakeEvent[] = [];
    if (since === null || since === '' || since === '0') {
      for (const o of this.store.list(route.resource, { namespace: route.namespace, labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') })) send('ADDED', o);
    } else {
      try {
        replay = this.store.eventsSince(Number(since));
      } catch (e: unknown) {
        if (!(e instanceof FakeApiError)) throw e;
        send('ERROR', this.status(e));
        res.end();
        return;
      }
    }
    // As the API server does for a filtered watch: an object that starts matching arrives as
    // ADDED, one that stops matching as DELETED.
    const deliver = (e: FakeEvent): void => {
      const now = matches(e.resource, e.object);
      const before = e.previous !== undefined && matches(e.resource, e.previous);
      if (e.type !== 'MODIFIED') {
        if (now) send(e.type, e.object);
      } else if (now) send(before ? 'MODIFIED' : 'ADDED', e.object);
      else if (before) send('DELETED', e.object);
    };
    for (const e of replay) deliver(e);
    const unsubscribe = this.store.subscribe(deliver);
    const timers: NodeJS.Timeout[] = [];
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    if (q.get('allowWatchBookmarks') === 'true') {
      timers.push(setInterval(() => send('BOOKMARK', { apiVersion: apiVersionOf(route.resource), kind: route.resource.kind, metadata: { resourceVersion: this.store.resourceVersion } }), this.bookmarkIntervalMs));
    }
    res.on('close', () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
    });
  }

  private verbOf(method: string, route: Route, url: URL): string {
    const watch = url.searchParams.get('watch');
    switch (method) {
      case 'GET': return watch === 'true' || watch === '1' ? 'watch' : route.name === undefined ? 'list' : 'get';
      case 'POST': return 'create';
      case 'PUT': return 'update';
      case 'PATCH': return 'patch';
      case 'DELETE': return route.name === undefined ? 'deletecollection' : 'delete';
      default: return method.toLowerCase();
    }
  }

  private route(path: string): Route {
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(path);
    if (m === null) throw new FakeApiError(404, 'NotFound', `the fake API server has no path ${path}`);
    const group = m[2] ?? '';
    const version = m[1] ?? m[3] ?? '';
    let segs = (m[4] ?? '').split('/').filter((s) => s !== '');
    let namespace: string | undefined;
    if (segs[0] === 'namespaces' && segs.length >= 3) {
      namespace = segs[1];
      segs = segs.slice(2);
    }
    const [plural, name, sub] = segs;
    const resource = this.resources.find((r) => r.group === group && r.version === version && r.plural === plural);
    if (resource === undefined) throw new FakeApiError(404, 'NotFound', `the server could not find the requested resource ${path}`);
    if (sub !== undefined && (sub !== 'status' || !resource.status)) throw new FakeApiError(404, 'NotFound', `no subresource ${sub} on ${qualifiedName(resource)}`);
    if (resource.namespaced && name !== undefined && namespace === undefined) throw new FakeApiError(404, 'NotFound', `${qualifiedName(resource)} is namespaced: ${path}`);
    if (!resource.namespaced && namespace !== undefined) throw new FakeApiError(404, 'NotFound', `${qualifiedName(resource)} is cluster scoped: ${path}`);
    return { resource, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(sub === 'status' ? { subresource: 'status' as const } : {}) };
  }

  /** /version, /api, /apis, /api/v1 and /apis/<group>/<version>: enough discovery for client-node. */
  private discovery(path: string, res: ServerResponse): boolean {
    const groups = [...new Set(this.resources.filter((r) => r.group !== '').map((r) => `${r.group}/${r.version}`))];
    const resourceList = (gv: string, rs: FakeResource[]): unknown => ({
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv,
      resources: rs.flatMap((r) => [
        { name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
        ...(r.status ? [{ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] }] : []),
      ]),
    });
    if (path === '/version') this.json(res, 200, { major: '1', minor: '34', gitVersion: 'v1.34.0-fake' });
    else if (path === '/api') this.json(res, 200, { kind: 'APIVersions', versions: ['v1'] });
    else if (path === '/apis') {
      this.json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((gv) => ({ name: gv.split('/')[0], versions: [{ groupVersion: gv, version: gv.split('/')[1] }], preferredVersion: { groupVersion: gv, version: gv.split('/')[1] } })) });
    } else if (path === '/api/v1') this.json(res, 200, resourceList('v1', this.resources.filter((r) => r.group === '')));
    else {
      const m = /^\/apis\/([^/]+)\/([^/]+)\/?$/.exec(path);
      if (m === null || !groups.includes(`${m[1]}/${m[2]}`)) return false;
      this.json(res, 200, resourceList(`${m[1]}/${m[2]}`, this.resources.filter((r) => r.group === m[1] && r.version === m[2])));
    }
    return true;
  }

  private status(e: FakeApiError): unknown {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code };
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function asObject(body: unknown): FakeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof (body as { metadata?: unknown }).metadata !== 'object') {
    throw new FakeApiError(400, 'BadRequest', 'the body must be an object with metadata');
  }
  return body as FakeObject;
}
