// SPDX-License-Identifier: Apache-2.0
/**
 * The hook sidecar over its real gRPC API on a unix socket, driven by a fake virt-launcher:
 * Info, then OnDefineDomain with a KubeVirt-style domain for each hook version; idempotency;
 * untouched elements; reconnect spelling by QEMU version; the live-migration warning; the
 * PreCloudInitIso pass-through and Shutdown.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../pkg/log/logger.js';
import {
  DEFAULT_HOOK_OPTIONS,
  HOOK_VERSIONS,
  HookServer,
  parseDomain,
  qemuArgValues,
  QemuVersionSchema,
  serializeDomain,
  type HookOptions,
  type HookVersion,
} from '../../pkg/kubevirt/index.js';
import { FakeVirtLauncher } from './fake-virt-launcher.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'kubevirt');
const domainXml = readFileSync(join(fixtures, 'domain.xml'), 'utf8');
const vmiText = readFileSync(join(fixtures, 'vmi.json'), 'utf8');

interface Harness {
  launcher: FakeVirtLauncher;
  server: HookServer;
  logs: Record<string, unknown>[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startHook(hook: Partial<HookOptions> = {}, versions?: readonly HookVersion[]): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'vcrypto-hook-'));
  const socketPath = join(dir, 'vcrypto.sock');
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ name: 'kubevirt-hook', level: 'debug', write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) });
  const server = new HookServer({ socketPath, hook: { ...DEFAULT_HOOK_OPTIONS, ...hook }, log, ...(versions === undefined ? {} : { versions }) });
  await server.start();
  const launcher = new FakeVirtLauncher(socketPath);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => server.stop());
  cleanups.push(() => launcher.close());
  return { launcher, server, logs };
}

const q = (v: string) => QemuVersionSchema.parse(v);

describe('kubevirt hook over gRPC', () => {
  it('answers Info with its name, the OnDefineDomain hook point and three versions', async () => {
    const { launcher } = await startHook();
    const info = await launcher.info();
    expect(info).toEqual({ name: 'vcrypto', hookPoints: [{ name: 'OnDefineDomain', priority: 0 }], versions: ['v1alpha1', 'v1alpha2', 'v1alpha3'] });
    expect(FakeVirtLauncher.pickVersion(info)).toBe('v1alpha3');
  });

  for (const version of HOOK_VERSIONS) {
    it(`adds the device through ${version} OnDefineDomain and is idempotent`, async () => {
      const { launcher } = await startHook({ qemuVersion: q('7.2'), deviceOptions: ['vectors=0'] }, [version]);
      const info = await launcher.info();
      const picked = FakeVirtLauncher.pickVersion(info);
      expect(picked).toBe(version);
      const once = await launcher.onDefineDomain(version, domainXml, vmiText);
      expect(qemuArgValues(parseDomain(once))).toEqual([
        '-chardev',
        'socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect=1',
        '-object',
        'cryptodev-vhost-user,id=vcryptodev0,chardev=vcrypto0',
        '-device',
        'virtio-crypto-pci,id=vcrypto-dev0,cryptodev=vcryptodev0,bus=pcie.0,addr=0x10,vectors=0',
      ]);
      expect(once).toContain('<source type="memfd"/>');
      expect(once).toContain('<access mode="shared"/>');
      expect(await launcher.onDefineDomain(version, once, vmiText)).toBe(once);
    });
  }

  it('keeps every other element of the domain as it was', async () => {
    const { launcher } = await startHook({ qemuVersion: q('9.1') });
    const out = parseDomain(await launcher.onDefineDomain('v1alpha3', domainXml, vmiText));
    const before = parseDomain(domainXml);
    const children = (d: ReturnType<typeof parseDomain>) => {
      const list: string[] = [];
      for (let n = d.documentElement?.firstChild ?? null; n !== null; n = n.nextSibling) {
        if (n.nodeType === 1 && n.nodeName !== 'memoryBacking' && n.nodeName !== 'qemu:commandline') list.push(serializeDomain(n as never));
      }
      return list;
    };
    expect(children(out)).toEqual(children(before));
    expect(out.documentElement?.getAttribute('type')).toBe('kvm');
  });

  it('spells the reconnect option for the QEMU version it was told', async () => {
    const { launcher } = await startHook({ qemuVersion: q('9.2') });
    const out = await launcher.onDefineDomain('v1alpha3', domainXml, vmiText);
    expect(qemuArgValues(parseDomain(out))[1]).toBe('socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect-ms=1000');
    const vmi72 = JSON.parse(vmiText) as { metadata: { annotations: Record<string, string> } };
    vmi72.metadata.annotations['vcrypto.dev/qemu-version'] = '8.2';
    const out72 = await launcher.onDefineDomain('v1alpha3', domainXml, JSON.stringify(vmi72));
    expect(qemuArgValues(parseDomain(out72))[1]).toBe('socket,id=vcrypto0,path=/var/run/vcrypto/vcrypto.dev/default/0/vhost.sock,reconnect=1');
  });

  it('logs a warning when the VMI asks for live migration, and none otherwise', async () => {
    const { launcher, logs } = await startHook({ qemuVersion: q('9.1') });
    await launcher.onDefineDomain('v1alpha3', domainXml, vmiText);
    expect(logs.filter((l) => l['level'] === 'warn')).toEqual([]);
    const vmi = JSON.parse(vmiText) as { spec: { evictionStrategy: string } };
    vmi.spec.evictionStrategy = 'LiveMigrateIfPossible';
    await launcher.onDefineDomain('v1alpha3', domainXml, JSON.stringify(vmi));
    expect(logs.filter((l) => l['level'] === 'warn')).toEqual([
      expect.objectContaining({ msg: expect.stringContaining('cannot migrate'), vmi: 'default/vm-crypto', reason: 'spec.evictionStrategy is LiveMigrateIfPossible' }),
    ]);
  });

  it('returns INVALID_ARGUMENT with the error code for a malformed VMI and keeps serving', async () => {
    const { launcher, logs } = await startHook();
    await expect(launcher.onDefineDomain('v1alpha2', domainXml, '{"spec":')).rejects.toMatchObject({ code: 3, details: expect.stringContaining('VCRYPTO_ERR_KV_VMI_INVALID') });
    expect(logs.some((l) => l['level'] === 'error' && l['msg'] === 'OnDefineDomain failed')).toBe(true);
    expect((await launcher.info()).name).toBe('vcrypto');
  });

  it('passes PreCloudInitIso data through unchanged', async () => {
    const { launcher } = await startHook();
    const res = await launcher.preCloudInitIso('v1alpha2', '{"userData":"#cloud-config\\n"}');
    expect(res.cloudInitData.toString()).toBe('{"userData":"#cloud-config\\n"}');
  });

  it('resolves shutdownRequested after a v1alpha3 Shutdown', async () => {
    const { launcher, server } = await startHook();
    await launcher.shutdown();
    await expect(server.shutdownRequested).resolves.toBeUndefined();
  });
});
