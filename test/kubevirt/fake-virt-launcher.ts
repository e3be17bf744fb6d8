// SPDX-License-Identifier: Apache-2.0
/**
 * A stand-in for KubeVirt's virt-launcher on the hook's side of the socket: dials a sidecar's
 * unix socket, calls Info, checks the sidecar subscribes to OnDefineDomain, picks the newest
 * Callbacks version both sides know (as virt-launcher's hook manager does), and calls
 * OnDefineDomain / PreCloudInitIso / Shutdown with the real hook protos. Test support only.
 */
import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { HOOK_VERSIONS, loadHookServices, type HookVersion } from '../../pkg/kubevirt/index.js';

export interface InfoResult {
  name: string;
  hookPoints: { name: string; priority: number }[];
  versions: string[];
}

type Unary = (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void;

function call<T>(client: Client, method: string, req: unknown): Promise<T> {
  const fn = (client as unknown as Record<string, Unary>)[method];
  if (fn === undefined) throw new Error(`client has no method ${method}`);
  return new Promise((resolve, reject) => fn.call(client, req, (err, res) => (err === null ? resolve(res as T) : reject(err))));
}

export class FakeVirtLauncher {
  readonly #address: string;
  readonly #clients: Client[] = [];

  constructor(socketPath: string) {
    this.#address = `unix:${socketPath}`;
  }

  async info(): Promise<InfoResult> {
    const { clients } = loadHookServices();
    const c = new clients.info(this.#address, credentials.createInsecure());
    this.#clients.push(c);
    return call<InfoResult>(c, 'Info', {});
  }

  /** The newest version in `supported` (newest last) that the sidecar lists, like virt-launcher. */
  static pickVersion(info: InfoResult, supported: readonly HookVersion[] = HOOK_VERSIONS): HookVersion | undefined {
    return [...supported].reverse().find((v) => info.versions.includes(v));
  }

  #callbacks(version: HookVersion): Client {
    const { clients } = loadHookServices();
    const c = new clients.callbacks[version](this.#address, credentials.createInsecure());
    this.#clients.push(c);
    return c;
  }

  async onDefineDomain(version: HookVersion, domainXml: string, vmiJson: string): Promise<string> {
    const res = await call<{ domainXML: Buffer }>(this.#callbacks(version), 'OnDefineDomain', {
      domainXML: Buffer.from(domainXml),
      vmi: Buffer.from(vmiJson),
    });
    return res.domainXML.toString('utf8');
  }

  async preCloudInitIso(version: HookVersion, cloudInitData: string): Promise<{ cloudInitData: Buffer; cloudInitNoCloudSource: Buffer }> {
    return call(this.#callbacks(version), 'PreCloudInitIso', {
      cloudInitData: Buffer.from(cloudInitData),
      cloudInitNoCloudSource: Buffer.alloc(0),
      vmi: Buffer.from('{}'),
    });
  }

  async shutdown(): Promise<void> {
    await call(this.#callbacks('v1alpha3'), 'Shutdown', {});
  }

  close(): void {
    for (const c of this.#clients) c.close();
  }
}
