// SPDX-License-Identifier: Apache-2.0
/**
 * A FAKE kubelet for tests: it speaks the real v1beta1 device-plugin gRPC over unix sockets in a
 * temp folder, nothing more. It serves Registration.Register on <dir>/kubelet.sock; on Register
 * it checks the version and resource name, dials the plugin's socket, calls
 * GetDevicePluginOptions (as the kubelet does before answering), then follows ListAndWatch and
 * keeps the latest device list per resource. Tests call Allocate and GetPreferredAllocation
 * through it, and `restart()` does what a kubelet start does: deletes every socket in the folder
 * and serves a fresh kubelet.sock. It is not a kubelet: no pods, no checkpoint, no accounting.
 */
import { readdirSync, lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, Server, ServerCredentials, status, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { loadDevicePluginProtos } from '../../../pkg/deviceplugin/protos.js';

export interface FakeDevice {
  readonly ID: string;
  readonly health: string;
}

export interface FakeRegistration {
  readonly version: string;
  readonly endpoint: string;
  readonly resourceName: string;
  readonly options: { pre_start_required: boolean; get_preferred_allocation_available: boolean };
}

export interface FakeAllocation {
  envs: Record<string, string>;
  mounts: Array<{ container_path: string; host_path: string; read_only: boolean }>;
}

interface Endpoint {
  readonly client: Client;
  readonly stream: ClientReadableStream<unknown>;
  devices: FakeDevice[] | undefined;
}

type Unary = (req: unknown, meta: { deadline: number }, cb: (e: ServiceError | null, res?: unknown) => void) => void;

function call<T>(client: Client, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, Unary>)[method]!.call(client, req, { deadline: Date.now() + 10_000 }, (e, res) => (e ? reject(e) : resolve(res as T)));
  });
}

export class FakeKubelet {
  readonly dir: string;
  readonly registrations: FakeRegistration[] = [];
  /** Every device list received, per resource, oldest first. */
  readonly history = new Map<string, FakeDevice[][]>();
  #server: Server | undefined;
  #endpoints = new Map<string, Endpoint>();
  #waiters = new Set<() => void>();

  constructor(dir: string) {
    this.dir = dir;
  }

  get socketPath(): string {
    return join(this.dir, 'kubelet.sock');
  }

  async start(): Promise<void> {
    const { Registration } = loadDevicePluginProtos();
    const server = new Server();
    server.addService(Registration.service, {
      Register: (c: { request: Record<string, unknown> }, cb: (e: Partial<ServiceError> | null, r?: unknown) => void) => {
        this.#register(c.request as unknown as FakeRegistration & { resource_name: string }).then(
          () => cb(null, {}),
          (e: unknown) => cb({ code: status.INVALID_ARGUMENT, details: e instanceof Error ? e.message : String(e) }),
        );
      },
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${this.socketPath}`, ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
    this.#server = server;
  }

  /** What a kubelet start does: stop, delete every socket in the folder, serve kubelet.sock again. */
  async restart(): Promise<void> {
    await this.stop();
    for (const name of readdirSync(this.dir)) {
      const p = join(this.dir, name);
      if (lstatSync(p).isSocket()) rmSync(p, { force: true });
    }
    await this.start();
  }

  async stop(): Promise<void> {
    for (const ep of this.#endpoints.values()) this.#drop(ep);
    this.#endpoints.clear();
    const s = this.#server;
    this.#server = undefined;
    if (s !== undefined) s.forceShutdown();
    this.#notify();
  }

  /** The latest device list of a resource, or undefined before its first ListAndWatch message. */
  devices(resourceName: string): FakeDevice[] | undefined {
    return this.#endpoints.get(resourceName)?.devices;
  }

  /** Resolves once `predicate` holds for the resource's latest list; rejects after `timeoutMs`. */
  waitForDevices(resourceName: string, predicate: (devices: FakeDevice[]) => boolean, timeoutMs = 15_000, what = 'device list'): Promise<FakeDevice[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const d = this.devices(resourceName);
        if (d !== undefined && predicate(d)) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve(d);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`fake kubelet: timed out waiting for ${what} of ${resourceName}; last: ${JSON.stringify(this.devices(resourceName))}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  async allocate(resourceName: string, containers: readonly (readonly string[])[]): Promise<FakeAllocation[]> {
    const res = await call<{ container_responses: FakeAllocation[] }>(this.#client(resourceName), 'Allocate', {
      container_requests: containers.map((ids) => ({ devices_ids: ids })),
    });
    return res.container_responses;
  }

  async preferredAllocation(resourceName: string, available: readonly string[], mustInclude: readonly string[], size: number): Promise<string[]> {
    const res = await call<{ container_responses: Array<{ deviceIDs: string[] }> }>(this.#client(resourceName), 'GetPreferredAllocation', {
      container_requests: [{ available_deviceIDs: available, must_include_deviceIDs: mustInclude, allocation_size: size }],
    });
    return res.container_responses[0]?.deviceIDs ?? [];
  }

  #client(resourceName: string): Client {
    const ep = this.#endpoints.get(resourceName);
    if (ep === undefined) throw new Error(`fake kubelet: ${resourceName} is not registered`);
    return ep.client;
  }

  async #register(req: FakeRegistration & { resource_name: string }): Promise<void> {
    if (req.version !== 'v1beta1') throw new Error(`unsupported device plugin API version ${req.version}`);
    if (!/^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(req.resource_name) || req.resource_name.startsWith('kubernetes.io/'))
      throw new Error(`invalid extended resource name ${req.resource_name}`);
    const { DevicePlugin } = loadDevicePluginProtos();
    const client = new DevicePlugin(`unix:${join(this.dir, req.endpoint)}`, credentials.createInsecure());
    await call(client, 'GetDevicePluginOptions', {});
    const old = this.#endpoints.get(req.resource_name);
    if (old !== undefined) this.#drop(old);
    const stream = (client as unknown as Record<string, (r: unknown) => ClientReadableStream<unknown>>)['ListAndWatch']!.call(client, {});
    const ep: Endpoint = { client, stream, devices: undefined };
    this.#endpoints.set(req.resource_name, ep);
    this.registrations.push({ version: req.version, endpoint: req.endpoint, resourceName: req.resource_name, options: req.options });
    stream.on('data', (msg: { devices: FakeDevice[] }) => {
      ep.devices = msg.devices.map((d) => ({ ID: d.ID, health: d.health }));
      const h = this.history.get(req.resource_name) ?? [];
      h.push(ep.devices);
      this.history.set(req.resource_name, h);
      this.#notify();
    });
    stream.on('error', () => {
      // The plugin went away (stopped or restarting); like the kubelet, forget its devices.
      if (this.#endpoints.get(req.resource_name) === ep) ep.devices = undefined;
    });
  }

  #drop(ep: Endpoint): void {
    ep.stream.cancel();
    ep.client.close();
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }
}
