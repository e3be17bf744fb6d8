// SPDX-License-Identifier: Apache-2.0
/**
 * One kubelet device plugin for one resource name: serves v1beta1.DevicePlugin on a unix socket
 * in the device-plugins folder, registers with the kubelet's Registration service, streams the
 * full device list to every ListAndWatch caller on each change, answers Allocate,
 * GetPreferredAllocation and PreStartContainer through the optional handlers, and re-serves and
 * re-registers when the kubelet restarts (our socket deleted, or kubelet.sock recreated).
 * gRPC input is validated with zod; errors stop here and become gRPC statuses.
 * Knows nothing of what the devices are (see api.ts for the handlers it calls).
 */
import { lstatSync, mkdirSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import {
  credentials,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import {
  API_VERSION,
  HEALTHY,
  KUBELET_SOCKET_NAME,
  UNHEALTHY,
  type Allocator,
  type ContainerAllocation,
  type DeviceInfo,
  type PluginStats,
  type PreferredAllocator,
  type PreStarter,
} from './api.js';
import { AllocateError, getErrorMessage, PluginSocketError, RegisterError, UnknownDeviceError } from './errors.js';
import { loadDevicePluginProtos } from './protos.js';

/** How often the socket folder is checked for a kubelet restart. */
export const WATCH_INTERVAL_MS = 1000;
/** Pause between registration attempts while the kubelet is not answering. */
export const REGISTER_RETRY_MS = 2000;
/** The kubelet dials back with a 10 s timeout; allow a little more for the whole call. */
export const REGISTER_TIMEOUT_MS = 15_000;

/** Explicit server state: idle → serving → registered; stopped is final. */
export type PluginServerState = 'idle' | 'serving' | 'registered' | 'stopped';

export interface PluginHandlers {
  readonly allocator?: Allocator;
  readonly preferred?: PreferredAllocator;
  readonly preStarter?: PreStarter;
}

export interface PluginServerOptions {
  readonly resourceName: string;
  /** The kubelet's device-plugins folder (holds kubelet.sock and our socket). */
  readonly pluginDir: string;
  /** Our socket's file name in pluginDir; derived from the resource name by default. */
  readonly socketName?: string;
  readonly handlers?: PluginHandlers;
  readonly log: Logger;
  readonly watchIntervalMs?: number;
  readonly registerRetryMs?: number;
  /** Told on every state change (readiness, tests). */
  readonly onStateChange?: (state: PluginServerState) => void;
}

/** What the manager needs from a server; tests replace it through the manager's factory. */
export interface PluginServer {
  readonly resourceName: string;
  readonly state: PluginServerState;
  start(): Promise<void>;
  update(devices: readonly DeviceInfo[]): void;
  stop(): Promise<void>;
  stats(): PluginStats;
}

/** `vcrypto.dev/default` → `vcrypto.dev_default.sock`: one file per resource, no slashes. */
export function socketNameFor(resourceName: string): string {
  return resourceName.replace(/[^A-Za-z0-9._-]/g, '_') + '.sock';
}

const AllocateRequestSchema = z.object({
  container_requests: z.array(z.object({ devices_ids: z.array(z.string()) })),
});
const PreferredRequestSchema = z.object({
  container_requests: z.array(
    z.object({
      available_deviceIDs: z.array(z.string()),
      must_include_deviceIDs: z.array(z.string()),
      allocation_size: z.number().int().min(0),
    }),
  ),
});
const PreStartRequestSchema = z.object({ devices_ids: z.array(z.string()) });

type Identity = { ino: number; ctimeMs: number } | undefined;
function identity(path: string): Identity {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    // Missing is an answer here: the caller compares identities.
    return undefined;
  }
  return { ino: st.ino, ctimeMs: st.ctimeMs };
}
const sameIdentity = (a: Identity, b: Identity): boolean => a?.ino === b?.ino && a?.ctimeMs === b?.ctimeMs;

function toStatus(e: unknown): Partial<ServiceError> {
  const code = e instanceof UnknownDeviceError ? status.INVALID_ARGUMENT : e instanceof AllocateError ? status.FAILED_PRECONDITION : status.INTERNAL;
  return { code, details: getErrorMessage(e) };
}

function encodeAllocation(a: ContainerAllocation): Record<string, unknown> {
  return {
    envs: { ...a.envs },
    mounts: a.mounts.map((m) => ({ container_path: m.containerPath, host_path: m.hostPath, read_only: m.readOnly })),
    devices: (a.devices ?? []).map((d) => ({ container_path: d.containerPath, host_path: d.hostPath, permissions: d.permissions })),
    annotations: { ...(a.annotations ?? {}) },
    cdi_devices: [],
  };
}

export class DevicePluginServer implements PluginServer {
  readonly resourceName: string;
  readonly #o: PluginServerOptions;
  readonly #log: Logger;
  readonly #socketPath: string;
  readonly #socketName: string;
  readonly #kubeletSocket: string;
  #state: PluginServerState = 'idle';
  #devices: readonly DeviceInfo[] = [];
  #grpc: Server | undefined;
  #streams = new Set<ServerWritableStream<unknown, unknown>>();
  #ownSocket: Identity;
  #kubeletSeen: Identity;
  #lastRegisterAttempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> = Promise.resolve();
  #registrations = 0;
  #allocOk = 0;
  #allocFailed = 0;

  constructor(options: PluginServerOptions) {
    this.#o = options;
    this.resourceName = options.resourceName;
    this.#log = options.log.child('deviceplugin', { resource: options.resourceName });
    this.#socketName = options.socketName ?? socketNameFor(options.resourceName);
    this.#socketPath = join(options.pluginDir, this.#socketName);
    this.#kubeletSocket = join(options.pluginDir, KUBELET_SOCKET_NAME);
  }

  get state(): PluginServerState {
    return this.#state;
  }

  get socketPath(): string {
    return this.#socketPath;
  }

  stats(): PluginStats {
    return { registrations: this.#registrations, allocateOk: this.#allocOk, allocateFailed: this.#allocFailed };
  }

  /** Serves the socket (throws PluginSocketError if it cannot), then registers in the background. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') return;
    await this.#serve();
    this.#kubeletSeen = identity(this.#kubeletSocket);
    this.#timer = setInterval(() => this.#tick(), this.#o.watchIntervalMs ?? WATCH_INTERVAL_MS);
    this.#serialise(() => this.#register());
  }

  update(devices: readonly DeviceInfo[]): void {
    this.#devices = devices;
    const message = this.#listMessage();
    for (const s of this.#streams) s.write(message);
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#busy;
    await this.#close();
    this.#setState('stopped');
  }

  #setState(s: PluginServerState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.#o.onStateChange?.(s);
  }

  /** Runs socket/registration work one piece at a time. */
  #serialise(work: () => Promise<void>): void {
    this.#busy = this.#busy.then(work).catch((e: unknown) => {
      this.#log.error('Device plugin work failed', { err: e instanceof Error ? e : getErrorMessage(e) });
    });
  }

  #tick(): void {
    if (this.#state === 'stopped') return;
    const own = identity(this.#socketPath);
    const kubelet = identity(this.#kubeletSocket);
    const kubeletChanged = kubelet !== undefined && this.#kubeletSeen !== undefined && !sameIdentity(kubelet, this.#kubeletSeen);
    const ownGone = this.#grpc !== undefined && !sameIdentity(own, this.#ownSocket);
    if (kubelet !== undefined) this.#kubeletSeen = kubelet;
    if (ownGone || kubeletChanged) {
      this.#log.info('Kubelet restarted; serving and registering again', { socketRemoved: ownGone, kubeletSocketRecreated: kubeletChanged });
      this.#serialise(async () => {
        await this.#close();
        await this.#serve();
        await this.#register();
      });
      return;
    }
    if (this.#state === 'idle' && this.#grpc === undefined) {
      // A previous attempt to serve again failed: keep trying.
      this.#serialise(async () => {
        if (this.#state !== 'idle' || this.#grpc !== undefined) return;
        await this.#serve();
        await this.#register();
      });
      return;
    }
    if (this.#state === 'serving' && kubelet !== undefined && Date.now() - this.#lastRegisterAttempt >= (this.#o.registerRetryMs ?? REGISTER_RETRY_MS)) {
      this.#serialise(() => this.#register());
    }
  }

  async #serve(): Promise<void> {
    if (this.#state === 'stopped') return;
    const { DevicePlugin } = loadDevicePluginProtos();
    const server = new Server();
    server.addService(DevicePlugin.service, this.#implementation());
    try {
      mkdirSync(this.#o.pluginDir, { recursive: true });
      rmSync(this.#socketPath, { force: true });
      await new Promise<void>((resolve, reject) => {
        server.bindAsync(`unix:${this.#socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
      });
    } catch (e: unknown) {
      server.forceShutdown();
      throw new PluginSocketError(`cannot serve the device plugin on ${this.#socketPath}: ${getErrorMessage(e)}`, { cause: e });
    }
    this.#grpc = server;
    this.#ownSocket = identity(this.#socketPath);
    this.#setState('serving');
    this.#log.info('Serving the device plugin', { socket: this.#socketPath });
  }

  async #close(): Promise<void> {
    const server = this.#grpc;
    this.#grpc = undefined;
    // Ending the old streams before registering again: a kubelet that sees an old stream end
    // after a new registration would mark the new one stopped.
    for (const s of this.#streams) s.end();
    this.#streams.clear();
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (this.#ownSocket !== undefined && sameIdentity(identity(this.#socketPath), this.#ownSocket)) rmSync(this.#socketPath, { force: true });
    this.#ownSocket = undefined;
    if (this.#state !== 'stopped') this.#setState('idle');
  }

  async #register(): Promise<void> {
    if (this.#state !== 'serving') return;
    this.#lastRegisterAttempt = Date.now();
    const { Registration } = loadDevicePluginProtos();
    const client = new Registration(`unix:${this.#kubeletSocket}`, credentials.createInsecure());
    const h = this.#o.handlers ?? {};
    const request = {
      version: API_VERSION,
      endpoint: this.#socketName,
      resource_name: this.resourceName,
      options: { pre_start_required: h.preStarter !== undefined, get_preferred_allocation_available: h.preferred !== undefined },
    };
    try {
      await new Promise<void>((resolve, reject) => {
        const register = client['Register'] as (req: unknown, meta: { deadline: number }, cb: (e: ServiceError | null) => void) => void;
        register.call(client, request, { deadline: Date.now() + REGISTER_TIMEOUT_MS }, (e) => (e ? reject(e) : resolve()));
      });
    } catch (e: unknown) {
      const err = new RegisterError(`the kubelet did not accept ${this.resourceName}: ${getErrorMessage(e)}`, { cause: e });
      this.#log.warn('Registration with the kubelet failed; retrying', { err, kubeletSocket: this.#kubeletSocket });
      return;
    } finally {
      client.close();
    }
    if (this.#state !== 'serving') return;
    this.#registrations++;
    this.#kubeletSeen = identity(this.#kubeletSocket);
    this.#setState('registered');
    this.#log.info('Registered with the kubelet', { endpoint: this.#socketName, devices: this.#devices.length });
  }

  #listMessage(): { devices: unknown[] } {
    return {
      devices: this.#devices.map((d) => ({
        ID: d.id,
        health: d.healthy ? HEALTHY : UNHEALTHY,
        ...(d.numaNode !== undefined ? { topology: { nodes: [{ ID: d.numaNode }] } } : {}),
      })),
    };
  }

  #implementation(): UntypedServiceImplementation {
    const h = this.#o.handlers ?? {};
    return {
      GetDevicePluginOptions: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        cb(null, { pre_start_required: h.preStarter !== undefined, get_preferred_allocation_available: h.preferred !== undefined });
      },
      ListAndWatch: (call: ServerWritableStream<unknown, unknown>) => {
        call.on('error', (e: unknown) => this.#log.debug('ListAndWatch stream failed', { err: getErrorMessage(e) }));
        const drop = (): void => void this.#streams.delete(call);
        call.on('cancelled', drop);
        call.on('close', drop);
        this.#streams.add(call);
        call.write(this.#listMessage());
      },
      Allocate: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        try {
          const req = AllocateRequestSchema.parse(call.request);
          const responses = req.container_requests.map((c) => encodeAllocation(this.#allocateOne(c.devices_ids)));
          this.#allocOk++;
          this.#log.info('Allocated devices', { devices: req.container_requests.map((c) => c.devices_ids) });
          cb(null, { container_responses: responses });
        } catch (e: unknown) {
          this.#allocFailed++;
          this.#log.warn('Refused an allocation', { err: e instanceof Error ? e : getErrorMessage(e) });
          cb(e instanceof z.ZodError ? { code: status.INVALID_ARGUMENT, details: `bad AllocateRequest: ${e.message}` } : toStatus(e));
        }
      },
      GetPreferredAllocation: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        try {
          const req = PreferredRequestSchema.parse(call.request);
          const responses = req.container_requests.map((c) => {
            const r = { available: c.available_deviceIDs, mustInclude: c.must_include_deviceIDs, size: c.allocation_size };
            const ids = h.preferred?.preferredAllocation(this.resourceName, r) ?? [...new Set([...r.mustInclude, ...r.available])].slice(0, r.size);
            return { deviceIDs: ids };
          });
          cb(null, { container_responses: responses });
        } catch (e: unknown) {
          cb(e instanceof z.ZodError ? { code: status.INVALID_ARGUMENT, details: `bad PreferredAllocationRequest: ${e.message}` } : toStatus(e));
        }
      },
      PreStartContainer: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        const parsed = PreStartRequestSchema.safeParse(call.request);
        if (!parsed.success) {
          cb({ code: status.INVALID_ARGUMENT, details: `bad PreStartContainerRequest: ${parsed.error.message}` });
          return;
        }
        const run = h.preStarter?.preStart(this.resourceName, parsed.data.devices_ids) ?? Promise.resolve();
        run.then(
          () => cb(null, {}),
          (e: unknown) => cb(toStatus(e)),
        );
      },
    };
  }

  #allocateOne(ids: readonly string[]): ContainerAllocation {
    const allocator = this.#o.handlers?.allocator;
    if (allocator !== undefined) return allocator.allocate(this.resourceName, ids);
    const known = new Set(this.#devices.map((d) => d.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new UnknownDeviceError(`${this.resourceName} has no device ${unknown.join(', ')}`);
    return { envs: {}, mounts: [] };
  }
}
