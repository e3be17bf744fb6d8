// SPDX-License-Identifier: Apache-2.0
/**
 * The operator losing write races against the FAKE API server: a DaemonSet or ConfigMap update
 * that hits a Conflict, and a DaemonSet deleted between the operator's read and its update, are
 * retried quietly (no error log line) until the objects match the spec. In-process operator with
 * a logger that keeps every line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_RESOURCE } from '../../pkg/controllers/index.js';
import type { KubeObject } from '../../pkg/k8s/index.js';
import { createLogger } from '../../pkg/log/logger.js';
import { AGENT_NAMESPACE, clientFor, createNode, createPool, daemonSet, newFakeApiServer, startOperator, until } from './operator-support.js';

const imageOf = (ds: KubeObject | undefined): string | undefined =>
  (ds as { spec?: { template: { spec: { containers: { image: string }[] } } } } | undefined)?.spec?.template.spec.containers[0]?.image;

describe('operator write races against the fake API server', () => {
  const fake = newFakeApiServer();
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger({ name: 'operator-test', level: 'debug', write: (line) => void lines.push(JSON.parse(line) as { level: string; msg: string }) });
  let op: ReturnType<typeof startOperator>;

  beforeAll(async () => {
    await fake.start();
    createNode(fake, 'node-a', { 'vcrypto.dev/pool': 'fast' });
    op = startOperator(fake, 'replica-1', log);
    await op.ready;
    await until('leadership', () => op.manager.isLeader);
    createPool(fake, 'fast', { nodeSelector: { 'vcrypto.dev/pool': 'fast' } });
    await until('DaemonSet', () => daemonSet(fake, 'fast'));
  });
  afterAll(async () => {
    await op.manager.stop();
    await fake.stop();
  });

  const errors = () => lines.filter((l) => l.level === 'error');

  it('retries DaemonSet and ConfigMap updates that hit a Conflict, without an error', async () => {
    const dsFault = { verb: 'update', resource: 'daemonsets', code: 409 as const, times: 2 };
    const cmFault = { verb: 'update', resource: 'configmaps', code: 409 as const, times: 1 };
    fake.injectFault(dsFault);
    fake.injectFault(cmFault);
    await clientFor(fake, 'test').patch<KubeObject>(DEVICE_RESOURCE, 'fast', { spec: { maxSessions: 64, agent: { image: 'example.test/vcrypto:v2' } } }, 'merge');
    await until('DaemonSet image updated', () => imageOf(daemonSet(fake, 'fast')) === 'example.test/vcrypto:v2');
    const poolJson = (): string => (fake.store.get(fake.resource('ConfigMap'), AGENT_NAMESPACE, 'vcrypto-pool-fast')['data'] as Record<string, string>)['pool.json'] ?? '';
    await until('ConfigMap updated', () => (JSON.parse(poolJson()) as { spec: { maxSessions: number } }).spec.maxSessions === 64);
    expect([dsFault.times, cmFault.times]).toEqual([0, 0]);
    expect(lines.some((l) => l.msg === 'A write lost a race; reconciling again')).toBe(true);
    expect(errors()).toEqual([]);
  });

  it('creates the DaemonSet again when it was deleted between the read and the update', async () => {
    const fault = { verb: 'update', resource: 'daemonsets', code: 404 as const, times: 1 };
    fake.injectFault(fault);
    await clientFor(fake, 'test').patch<KubeObject>(DEVICE_RESOURCE, 'fast', { spec: { agent: { image: 'example.test/vcrypto:v3' } } }, 'merge');
    await until('DaemonSet image updated', () => imageOf(daemonSet(fake, 'fast')) === 'example.test/vcrypto:v3');
    expect(fault.times).toBe(0);
    expect(errors()).toEqual([]);
  });
});
