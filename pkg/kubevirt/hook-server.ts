// SPDX-License-Identifier: Apache-2.0
/**
 * The KubeVirt hook sidecar's gRPC server on a unix socket: Info (name, the OnDefineDomain hook
 * point, versions v1alpha1..v1alpha3) and the Callbacks service of each version. OnDefineDomain
 * runs transformDomain; PreCloudInitIso hands the cloud-init data back unchanged; Shutdown
 * (v1alpha3) answers, then resolves `shutdownRequested` so the sidecar can exit. Errors stop
 * propagating here: they are logged once and returned as gRPC statuses. Knows nothing of
 * flags or exit codes.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { getErrorMessage, HookSocketError, KubevirtError } from './errors.js';
import { HOOK_VERSIONS, loadHookServices, type HookVersion } from './hook-protos.js';
import type { HookOptions } from './hook-options.js';
import { formatQemuVersion } from './qemu-version.js';
import { transformDomain } from './transform.js';

export const HOOK_NAME = 'vcrypto';
export const HOOK_POINT_ON_DEFINE_DOMAIN = 'OnDefineDomain';
export const DEFAULT_HOOK_SOCKET_DIR = '/var/run/kubevirt-hooks';
export const DEFAULT_HOOK_SOCKET_NAME = 'vcrypto.sock';

const BytesSchema = z.instanceof(Uint8Array, { error: 'must be bytes' });
const OnDefineDomainParamsSchema = z.object({ domainXML: BytesSchema, vmi: BytesSchema });
const PreCloudInitIsoParamsSchema = z.object({ cloudInitNoCloudSource: BytesSchema, cloudInitData: BytesSchema });

export interface HookServerOptions {
  readonly socketPath: string;
  readonly hook: HookOptions;
  readonly log: Logger;
  /** Versions announced in Info; all three by default. */
  readonly versions?: readonly HookVersion[];
}

type Handler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

export class HookServer {
  readonly #server = new Server();
  readonly #options: HookServerOptions;
  readonly #log: Logger;
  #onShutdown: () => void = () => undefined;
  /** Resolves when virt-launcher called Shutdown. */
  readonly shutdownRequested: Promise<void>;

  constructor(options: HookServerOptions) {
    this.#options = options;
    this.#log = options.log;
    this.shutdownRequested = new Promise((resolve) => {
      this.#onShutdown = resolve;
    });
    const services = loadHookServices();
    const versions = options.versions ?? HOOK_VERSIONS;
    this.#server.addService(services.info, { Info: this.#info(versions) } satisfies UntypedServiceImplementation);
    for (const v of HOOK_VERSIONS) {
      const impl: UntypedServiceImplementation = { OnDefineDomain: this.#onDefineDomain(v) };
      if (v !== 'v1alpha1') impl['PreCloudInitIso'] = this.#preCloudInitIso(v);
      if (v === 'v1alpha3') impl['Shutdown'] = this.#shutdown();
      this.#server.addService(services.callbacks[v], impl);
    }
  }

  /** Creates the socket (replacing a stale one) and starts serving. */
  async start(): Promise<void> {
    const path = this.#options.socketPath;
    try {
      mkdirSync(dirname(path), { recursive: true });
      if (statSync(path, { throwIfNoEntry: false })?.isSocket() === true) rmSync(path);
    } catch (e: unknown) {
      throw new HookSocketError(`cannot prepare the hook socket ${path}`, { cause: e });
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (err) => {
        if (err === null) resolve();
        else reject(new HookSocketError(`cannot listen on ${path}`, { cause: err }));
      });
    });
    const q = this.#options.hook.qemuVersion;
    this.#log.info('Hook sidecar listening', {
      socket: path,
      mode: this.#options.hook.mode,
      resource: this.#options.hook.resourceName ?? 'vcrypto.dev/*',
      qemuVersion: q === undefined ? 'unknown' : formatQemuVersion(q),
    });
  }

  /** Stops accepting calls and waits for the ones in flight; removes the socket. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.tryShutdown(() => resolve()));
    rmSync(this.#options.socketPath, { force: true });
  }

  #info(versions: readonly HookVersion[]): Handler {
    return (_call, callback) => {
      this.#log.debug('Info called');
      callback(null, { name: HOOK_NAME, hookPoints: [{ name: HOOK_POINT_ON_DEFINE_DOMAIN, priority: 0 }], versions: [...versions] });
    };
  }

  #onDefineDomain(version: HookVersion): Handler {
    return (call, callback) => {
      const params = OnDefineDomainParamsSchema.safeParse(call.request);
      if (!params.success) {
        this.#log.error('OnDefineDomain refused a malformed request', { version, reason: params.error.issues[0]?.message });
        callback({ code: status.INVALID_ARGUMENT, details: 'OnDefineDomain needs domainXML and vmi bytes' });
        return;
      }
      try {
        const result = transformDomain(Buffer.from(params.data.domainXML).toString('utf8'), params.data.vmi, this.#options.hook);
        for (const note of result.notes) {
          if (note.kind === 'migration') {
            this.#log.warn('VMI may be live-migrated but its vhost-user crypto device cannot migrate; set evictionStrategy None', {
              vmi: result.vmi,
              reason: note.reason,
            });
          } else {
            this.#log.warn('Added devices without a chardev reconnect option', { vmi: result.vmi, reason: note.reason });
          }
        }
        this.#log.info(result.deviceCount === 0 ? 'Left the domain unchanged: no vcrypto device requested' : 'Added vcrypto devices to the domain', {
          vmi: result.vmi,
          version,
          resources: result.requests.map((r) => `${r.resource}=${r.count}`).join(','),
          devices: result.deviceCount,
          mode: result.options?.mode,
        });
        callback(null, { domainXML: Buffer.from(result.xml, 'utf8') });
      } catch (e: unknown) {
        const known = e instanceof KubevirtError;
        this.#log.error('OnDefineDomain failed', { version, err: e instanceof Error ? e : getErrorMessage(e), cause: e instanceof Error && e.cause instanceof Error ? e.cause.message : undefined });
        callback({ code: known ? status.INVALID_ARGUMENT : status.INTERNAL, details: known ? `${e.code}: ${e.message}` : getErrorMessage(e) });
      }
    };
  }

  #preCloudInitIso(version: HookVersion): Handler {
    return (call, callback) => {
      const params = PreCloudInitIsoParamsSchema.safeParse(call.request);
      if (!params.success) {
        callback({ code: status.INVALID_ARGUMENT, details: 'PreCloudInitIso needs cloud-init bytes' });
        return;
      }
      this.#log.debug('PreCloudInitIso passed through', { version });
      callback(null, { cloudInitNoCloudSource: params.data.cloudInitNoCloudSource, cloudInitData: params.data.cloudInitData });
    };
  }

  #shutdown(): Handler {
    return (_call, callback) => {
      this.#log.info('Shutdown requested by virt-launcher');
      callback(null, {});
      setImmediate(() => this.#onShutdown());
    };
  }
}
